/**
 * A local Elasticsearch that speaks the parts of the REST API sshtrail uses, as the real server
 * answers them: `GET /` (cluster info), `_bulk` (NDJSON, gzip bodies, per-item statuses,
 * `errors: true`, data-stream rules, 409 on an existing _id with `create`), `_index_template`,
 * `_component_template`, `_ingest/pipeline` (a default pipeline's `set` processors are applied
 * on ingest), API-key/basic auth with security_exception bodies, and the x-elastic-product header
 * on every response. Faults are set on `faults` at any time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { filterPath } from './es-filter-path.js';
import { RestartableHttp, readBody, sendJson, sleep } from './http-util.js';

export interface ItemFault {
  status: number;
  error: { type: string; reason: string };
}

export interface EsFaults {
  /** Whole-request status for the next `count` bulk requests (429/503 storms, 401, ...). */
  storm?: { status: number; count: number };
  /** Per-item verdict; undefined stores the document. */
  item?: (source: Record<string, unknown>, index: string) => ItemFault | undefined;
  /** Destroy the connection mid-body for the next N bulk requests. */
  resetNext?: number;
  /** Answer the next N bulk requests with truncated JSON. */
  malformedNext?: number;
  /** Delay every bulk response. */
  delayMs?: number;
  /** Answer template and pipeline PUTs with this status (403: missing manage_* privileges). */
  templateStatus?: number;
  /** Omit x-elastic-product (a proxy or another product). */
  noProductHeader?: boolean;
}

export interface EsReceiverOptions {
  apiKey?: string;
  basic?: { username: string; password: string };
}

const errorBody = (status: number, type: string, reason: string) => ({
  error: { root_cause: [{ type, reason }], type, reason },
  status,
});

export class ElasticsearchReceiver {
  readonly http = new RestartableHttp((req, res) => this.handle(req, res));
  faults: EsFaults = {};
  /** Data stream name -> _id -> stored _source. */
  readonly streams = new Map<string, Map<string, Record<string, unknown>>>();
  readonly indexTemplates = new Map<string, Record<string, unknown>>();
  readonly componentTemplates = new Map<string, Record<string, unknown>>();
  readonly pipelines = new Map<string, Record<string, unknown>>();
  bulkRequests = 0;
  /** Documents accepted (stored or, with keep = false, only counted: benchmarks). */
  received = 0;
  keep = true;
  gzipRequests = 0;
  templatePuts = 0;
  private seqNo = 0;

  constructor(private readonly opts: EsReceiverOptions = {}) {}

  start(): Promise<void> {
    return this.http.start();
  }
  stop(): Promise<void> {
    return this.http.stop();
  }
  get url(): string {
    return this.http.url;
  }

  /** All stored documents, in arrival order per stream. */
  docs(): Record<string, unknown>[] {
    return [...this.streams.values()].flatMap((m) => [...m.values()]);
  }

  private headers(): Record<string, string> {
    return this.faults.noProductHeader ? {} : { 'x-elastic-product': 'Elasticsearch' };
  }

  private authorized(req: IncomingMessage): boolean {
    const { apiKey, basic } = this.opts;
    if (!apiKey && !basic) return true;
    const h = req.headers.authorization ?? '';
    if (apiKey && h === `ApiKey ${apiKey}`) return true;
    if (basic && h === `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`)
      return true;
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path.endsWith('/_bulk') && this.faults.resetNext) {
      this.faults.resetNext--;
      // Read part of the body, then drop the connection as a crashing node would.
      req.once('data', () => req.socket.destroy());
      return;
    }
    const body = await readBody(req);
    if (body.length > 0 && req.headers['content-encoding'] === 'gzip') this.gzipRequests++;
    const h = this.headers();
    if (!this.authorized(req)) {
      const reason =
        'unable to authenticate with provided credentials and anonymous access is not allowed for this request';
      sendJson(res, 401, errorBody(401, 'security_exception', reason), {
        ...h,
        'www-authenticate': 'ApiKey, Basic realm="security" charset="UTF-8"',
      });
      return;
    }
    if (req.method === 'GET' && path === '/') {
      sendJson(
        res,
        200,
        {
          name: 'receiver-node',
          cluster_name: 'sshtrail-test',
          cluster_uuid: 'c2hzdHJhaWwtdGVzdC1jbHVzdGVy',
          version: {
            number: '8.15.0',
            build_flavor: 'default',
            lucene_version: '9.11.1',
            minimum_wire_compatibility_version: '7.17.0',
            minimum_index_compatibility_version: '7.0.0',
          },
          tagline: 'You Know, for Search',
        },
        h,
      );
      return;
    }
    const put = req.method === 'PUT';
    const m = /^\/(_index_template|_component_template|_ingest\/pipeline)\/([^/]+)$/.exec(path);
    if (m) {
      const [, kind, name] = m as unknown as [string, string, string];
      const store =
        kind === '_index_template'
          ? this.indexTemplates
          : kind === '_component_template'
            ? this.componentTemplates
            : this.pipelines;
      const key = decodeURIComponent(name);
      if (put && this.faults.templateStatus) {
        const st = this.faults.templateStatus;
        const action =
          kind === '_ingest/pipeline'
            ? 'cluster:admin/ingest/pipeline/put'
            : `indices:admin/${kind.slice(1)}/put`;
        sendJson(
          res,
          st,
          errorBody(
            st,
            'security_exception',
            `action [${action}] is unauthorized for API key id [k1] of user [sshtrail_writer], this action is granted by the cluster privileges [manage_index_templates,manage,all]`,
          ),
          h,
        );
        return;
      }
      if (put) {
        this.templatePuts++;
        store.set(key, JSON.parse(body.toString('utf8')) as Record<string, unknown>);
        sendJson(res, 200, { acknowledged: true }, h);
      } else if (store.has(key)) {
        sendJson(res, 200, { [key]: store.get(key) }, h);
      } else {
        sendJson(res, 404, errorBody(404, 'resource_not_found_exception', `${kind} [${key}] missing`), h);
      }
      return;
    }
    if (req.method === 'POST' && (path === '/_bulk' || path.endsWith('/_bulk'))) {
      this.bulkRequests++;
      if (this.faults.delayMs) await sleep(this.faults.delayMs);
      if (this.faults.storm && this.faults.storm.count > 0) {
        this.faults.storm.count--;
        const s = this.faults.storm.status;
        const type =
          s === 429
            ? 'es_rejected_execution_exception'
            : s === 401
              ? 'security_exception'
              : 'unavailable_shards_exception';
        sendJson(res, s, errorBody(s, type, `injected ${s}`), h);
        return;
      }
      if (this.faults.malformedNext) {
        this.faults.malformedNext--;
        sendJson(res, 200, '{"took":3,"errors":false,"items":[{"create":{"_ind', h);
        return;
      }
      const filter = url.searchParams.get('filter_path');
      const result = this.bulk(body.toString('utf8'));
      sendJson(res, 200, filter ? filterPath(result, filter.split(',')) : result, h);
      return;
    }
    sendJson(
      res,
      400,
      errorBody(
        400,
        'illegal_argument_exception',
        `request [${req.method} ${path}] not handled by the receiver`,
      ),
      h,
    );
  }

  /** A bulk item as Elasticsearch answers a document it stored (kept or not, the reply is the same). */
  private created(op: string, base: { _index: string; _id: string }): Record<string, unknown> {
    return {
      [op]: {
        ...base,
        _version: 1,
        result: 'created',
        _shards: { total: 2, successful: 1, failed: 0 },
        _seq_no: this.seqNo++,
        _primary_term: 1,
        status: 201,
      },
    };
  }

  private defaultPipelineFor(index: string): Record<string, unknown> | undefined {
    for (const t of this.indexTemplates.values()) {
      const patterns = (t.index_patterns as string[] | undefined) ?? [];
      if (
        !patterns.some((p) =>
          new RegExp(
            `^${p
              .split('*')
              .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
              .join('.*')}$`,
          ).test(index),
        )
      )
        continue;
      for (const c of (t.composed_of as string[] | undefined) ?? []) {
        const ct = this.componentTemplates.get(c) as
          | { template?: { settings?: { index?: { default_pipeline?: string } } } }
          | undefined;
        const name = ct?.template?.settings?.index?.default_pipeline;
        if (name) return this.pipelines.get(name);
      }
    }
    return undefined;
  }

  private bulk(ndjson: string): Record<string, unknown> {
    const lines = ndjson.split('\n').filter((l) => l.length > 0);
    const items: Record<string, unknown>[] = [];
    let errors = false;
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '.');
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i] as string) as Record<string, { _index: string; _id?: string }>;
      const [op, meta] = Object.entries(action)[0] as [string, { _index: string; _id?: string }];
      const source = JSON.parse(lines[i + 1] ?? '{}') as Record<string, unknown>;
      const index = meta._index;
      const id = meta._id ?? `auto-${++this.seqNo}`;
      const base = { _index: `.ds-${index}-${today}-000001`, _id: id };
      const fail = (status: number, type: string, reason: string) => {
        errors = true;
        items.push({
          [op]: {
            ...base,
            status,
            error: { type, reason, index_uuid: 'aAsFqTI0Tc2W0LCWgPNrOA', index: base._index },
          },
        });
      };
      const isStream = /^logs-[^-]+-[^-]+$/.test(index);
      if (isStream && op !== 'create') {
        fail(
          400,
          'illegal_argument_exception',
          'only write ops with an op_type of create are allowed in data streams',
        );
        continue;
      }
      const injected = this.faults.item?.(source, index);
      if (injected) {
        fail(injected.status, injected.error.type, injected.error.reason);
        continue;
      }
      let stream = this.streams.get(index);
      if (!stream) {
        stream = new Map();
        this.streams.set(index, stream);
      }
      if (!this.keep) {
        this.received++;
        items.push(this.created(op, base));
        continue;
      }
      if (op === 'create' && stream.has(id)) {
        fail(
          409,
          'version_conflict_engine_exception',
          `[${id}]: version conflict, document already exists (current version [1])`,
        );
        continue;
      }
      const pipeline = this.defaultPipelineFor(index) as
        | { processors?: { set?: { field: string; value: string } }[] }
        | undefined;
      for (const p of pipeline?.processors ?? []) {
        if (p.set?.value === '{{{_ingest.timestamp}}}')
          setDotted(source, p.set.field, new Date().toISOString());
      }
      stream.set(id, source);
      this.received++;
      items.push(this.created(op, base));
    }
    return { errors, took: 2, items };
  }
}

function setDotted(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== 'object' || o[p] === null) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1] as string] = value;
}
