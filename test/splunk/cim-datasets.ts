/**
 * The CIM datasets TA-sshtrail maps to, and what an add-on's events must have to be in them:
 * tags, constraint, and each field's kind (required; conditional on a search; optional, checked
 * only when present), expected values and validity.
 *
 * Source: splunk/pytest-splunk-addon at 41a6bfaec26e5dfb0ba5a8f192db754b7efd89f3,
 * pytest_splunk_addon/data_models/{Authentication,Endpoint,Network_Traffic}.json (the definitions
 * its CIM compliance tests run, for CIM 4.20: deps/apps/Splunk_SA_CIM/default/app.conf), written
 * here in our own form: `validity` is the JSON's eval validity as a predicate, `condition` its SPL
 * condition. Only the fields with a rule are listed (required and conditional ones, and optional
 * ones with expected values or a validity); other optional fields have no check to run.
 * pytest-splunk-addon also refuses, for every field, the values "-" and "" (addon_parser/fields.py,
 * negative_values), and CommonFields.json lists the fields an add-on must never set.
 */
import type { Fields, Value } from './spl.js';

export interface FieldRule {
  name: string;
  kind: 'required' | 'conditional' | 'optional';
  expected?: readonly string[];
  /** The event is checked for this field only where this SPL matches (conditional fields; none: every event). */
  condition?: string;
  /** True when the field's value is valid (the JSON's `validity` eval, as a predicate). */
  valid?: (v: string, f: Fields) => boolean;
}

export interface Dataset {
  /** As tstats names it: Model.Dataset, or the model for its root dataset. */
  name: string;
  tags: readonly string[];
  /** The root search's constraint beyond the tags (SPL), when it has one. */
  constraint?: string;
  fields: readonly FieldRule[];
  /** fields_cluster: fields that are all there, and valid, or none of them. */
  clusters?: readonly (readonly string[])[];
}

const str = (v: Value | undefined): string | undefined =>
  v === undefined || v === null ? undefined : Array.isArray(v) ? v[0] : v;
/** Splunk's isnum(): a number (its values are strings that read as one). */
export const isnum = (v: string): boolean => v.trim() !== '' && Number.isFinite(Number(v));
const num = (f: Fields, k: string): number | undefined => {
  const s = str(f.get(k));
  return s !== undefined && isnum(s) ? Number(s) : undefined;
};
/** The add-on only ever puts dotted IPv4 or IPv6 addresses here; the JSON's regex accepts both. */
const isIp = (v: string | undefined): boolean =>
  v !== undefined && (/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || /^[0-9a-f:.]*:[0-9a-f:.]*$/i.test(v));

/** `^[^\\/]+$`: a name, no path. */
const noPath = (v: string) => /^[^\\/]+$/.test(v);
const transportValid = (v: string, f: Fields) => {
  // case(protocol=="icmp" AND transport=="icmp", ..., protocol=="ip" AND (transport=="tcp" OR transport=="udp"), ...)
  const p = str(f.get('protocol'));
  return (p === 'icmp' && v === 'icmp') || (p === 'ip' && (v === 'tcp' || v === 'udp'));
};

export const datasets: readonly Dataset[] = [
  {
    name: 'Authentication',
    tags: ['authentication'],
    // Machine accounts (user ending in $) logging in successfully are left out.
    constraint: 'NOT (action=success user=*$)',
    fields: [
      { name: 'action', kind: 'required', expected: ['success', 'failure', 'pending', 'error'] },
      { name: 'app', kind: 'required' },
      { name: 'dest', kind: 'required' },
      { name: 'src', kind: 'required' },
      { name: 'user', kind: 'required' },
      {
        name: 'duration',
        kind: 'optional',
        valid: (v) => isnum(v) && Number(v) > 0 && Number(v) < 3600,
      },
      {
        name: 'reason',
        kind: 'optional',
        valid: (_v, f) => ['success', 'failure'].includes(str(f.get('action')) ?? ''),
      },
      { name: 'src_user', kind: 'conditional', condition: 'src_user=* tag=privileged' },
    ],
  },
  {
    name: 'Endpoint.Processes',
    tags: ['process', 'report'],
    fields: [
      { name: 'action', kind: 'required' },
      { name: 'dest', kind: 'required' },
      { name: 'parent_process', kind: 'required' },
      { name: 'parent_process_id', kind: 'required', valid: isnum },
      { name: 'parent_process_name', kind: 'required', valid: noPath },
      { name: 'parent_process_path', kind: 'required' },
      { name: 'process', kind: 'required' },
      { name: 'process_id', kind: 'required', valid: isnum },
      { name: 'process_name', kind: 'required', valid: noPath },
      { name: 'process_path', kind: 'required' },
      { name: 'user', kind: 'required' },
      { name: 'vendor_product', kind: 'required' },
      {
        name: 'process_integrity_level',
        kind: 'optional',
        expected: ['system', 'high', 'medium', 'low', 'untrusted'],
      },
    ],
  },
  {
    name: 'Endpoint.Filesystem',
    tags: ['endpoint', 'filesystem'],
    fields: [
      {
        name: 'action',
        kind: 'required',
        expected: ['acl_modified', 'created', 'deleted', 'modified', 'read'],
      },
      { name: 'dest', kind: 'required' },
      { name: 'file_name', kind: 'required' },
      { name: 'file_path', kind: 'required' },
      { name: 'file_size', kind: 'required' },
      { name: 'user', kind: 'required' },
      { name: 'vendor_product', kind: 'required' },
      { name: 'file_create_time', kind: 'conditional', condition: 'action=created' },
      { name: 'file_modify_time', kind: 'conditional', condition: 'action=modified' },
      { name: 'file_acl', kind: 'conditional', condition: 'action=acl_modified' },
      // The JSON writes "action=created or action=modified or action=read": SPL's operators are
      // upper case, so as written it searches for the word "or"; this is what it means.
      {
        name: 'file_hash',
        kind: 'conditional',
        condition: 'action=created OR action=modified OR action=read',
      },
    ],
  },
  {
    name: 'Network_Traffic',
    tags: ['network', 'communicate'],
    fields: [
      { name: 'action', kind: 'required', expected: ['allowed', 'blocked', 'teardown', 'flow'] },
      { name: 'app', kind: 'required' },
      { name: 'dest', kind: 'required' },
      { name: 'dvc', kind: 'required' },
      { name: 'src', kind: 'required' },
      { name: 'transport', kind: 'required', expected: ['tcp', 'udp', 'icmp'], valid: transportValid },
      { name: 'vendor_product', kind: 'required' },
      {
        name: 'bytes',
        kind: 'conditional',
        condition: 'bytes=*',
        valid: (v, f) =>
          isnum(v) &&
          Number(v) > 0 &&
          Number(v) === (num(f, 'bytes_in') ?? NaN) + (num(f, 'bytes_out') ?? NaN),
      },
      {
        name: 'bytes_in',
        kind: 'conditional',
        condition: 'bytes_in=*',
        valid: (v) => isnum(v) && Number(v) > 0,
      },
      {
        name: 'bytes_out',
        kind: 'conditional',
        condition: 'bytes_out=*',
        valid: (v) => isnum(v) && Number(v) > 0,
      },
      {
        name: 'dest_ip',
        kind: 'conditional',
        condition: 'dest_ip=*',
        valid: (v, f) => v === str(f.get('dest')) && isIp(str(f.get('dest'))),
      },
      { name: 'dest_port', kind: 'conditional', condition: 'transport=tcp OR transport=udp', valid: isnum },
      {
        name: 'src_ip',
        kind: 'conditional',
        condition: 'src_ip=*',
        valid: (v, f) => v === str(f.get('src')),
      },
      { name: 'src_port', kind: 'conditional', condition: 'transport=tcp OR transport=udp', valid: isnum },
      { name: 'direction', kind: 'optional', expected: ['inbound', 'outbound'] },
      { name: 'duration', kind: 'optional', valid: isnum },
      // Conditional with no condition: pytest-splunk-addon then checks it in every event.
      {
        name: 'protocol',
        kind: 'conditional',
        expected: ['ip', 'icmp'],
        valid: (v, f) =>
          transportValid(str(f.get('transport')) ?? '', f) &&
          (v === 'ip' || v === 'icmp') &&
          (isIp(str(f.get('src'))) || isIp(str(f.get('dest')))),
      },
      { name: 'protocol_version', kind: 'conditional', condition: 'protocol=ip', expected: ['ipv4', 'ipv6'] },
    ],
    clusters: [
      ['bytes', 'bytes_in', 'bytes_out'],
      ['dest_translated_ip', 'src_translated_ip'],
      ['dest_zone', 'src_zone'],
      ['icmp_type', 'icmp_code'],
      ['packets_in', 'packets_out'],
    ],
  },
];

/**
 * Fields the CIM leaves to Enterprise Security's asset and identity correlation: an add-on must
 * not set them (pytest_splunk_addon/cim_tests/CommonFields.json), nor `tag` in props.conf.
 */
export const notAllowed: readonly string[] = [
  'dest_bunit',
  'dest_category',
  'dest_priority',
  'dvc_bunit',
  'dvc_category',
  'dvc_priority',
  'src_bunit',
  'src_category',
  'src_priority',
  'src_user_bunit',
  'src_user_category',
  'src_user_priority',
  'user_bunit',
  'user_category',
  'user_priority',
  'tag',
];

/** pytest-splunk-addon's default negative values: never a valid value of any field. */
export const negativeValues: readonly string[] = ['-', ''];
