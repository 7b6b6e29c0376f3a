/**
 * JSON Schema fragment for `enhanced_recording` (cgroup v2 + eBPF). The composition root
 * (core/compose/config.ts) hands it to core/config's loader, so core never imports bpf/. The
 * defaults here are the ones bpf/index.ts applies, so the schema documents what actually happens.
 */

export type EnhancedEventKind = 'command' | 'network' | 'disk';

export interface EnhancedConfig {
  enabled?: 'auto' | boolean;
  events?: EnhancedEventKind[];
  cgroup_root?: string;
  cgroup_mount?: string;
  ring_buffer_bytes?: number;
  disk_exclude_prefixes?: string[];
}

const ringSizes = Array.from({ length: 15 }, (_, i) => 2 ** (16 + i)); // 64 KiB .. 1 GiB

export const enhancedDefaults = {
  enabled: 'auto' as 'auto' | boolean,
  events: ['command', 'network'] as EnhancedEventKind[],
  cgroup_root: 'sshtrail',
  ring_buffer_bytes: 4 * 1024 * 1024,
  disk_exclude_prefixes: [
    '/proc/',
    '/sys/',
    '/dev/',
    '/lib/',
    '/lib64/',
    '/usr/lib/',
    '/usr/lib64/',
    '/etc/ld.so.cache',
    '/usr/share/locale/',
  ],
};

export const enhancedConfigProperties: Record<string, unknown> = {
  enhanced_recording: {
    type: 'object',
    description:
      'Kernel-level capture of what sessions run (commands, TCP connects, file opens) with eBPF, each session in its own cgroup v2. Needs root, BTF and cgroup v2.',
    additionalProperties: false,
    default: {},
    properties: {
      enabled: {
        enum: ['auto', true, false],
        default: enhancedDefaults.enabled,
        description:
          '"auto": on where the kernel and privileges allow, otherwise off with one log line saying why; true: refuse to start without it; false: off.',
      },
      events: {
        type: 'array',
        items: { enum: ['command', 'network', 'disk'] },
        uniqueItems: true,
        default: enhancedDefaults.events,
        description:
          'What to capture: command (every exec, with argv), network (every TCP connect), disk (every open; one `ls` opens dozens of files, so off by default).',
      },
      cgroup_root: {
        type: 'string',
        minLength: 1,
        pattern: '^(?!.*(^|/)\\.\\.?(/|$))[A-Za-z0-9._/-]+$',
        default: enhancedDefaults.cgroup_root,
        description:
          'Directory under the cgroup v2 mount holding one cgroup per session; may be nested (e.g. "system.slice/sshtrail"). One server per root: at start-up, session cgroups a crashed server left under it are killed and removed.',
      },
      cgroup_mount: {
        type: 'string',
        minLength: 1,
        description: 'The cgroup v2 mount point; detected from /proc/self/mountinfo when absent.',
      },
      ring_buffer_bytes: {
        type: 'integer',
        enum: ringSizes,
        default: enhancedDefaults.ring_buffer_bytes,
        description:
          'Size of each program’s ring buffer, a power of two from 64 KiB to 1 GiB. When user space falls behind and a ring fills, records are dropped and reported as audit.loss (ring_full).',
      },
      disk_exclude_prefixes: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: enhancedDefaults.disk_exclude_prefixes,
        description:
          'Disk events whose path starts with one of these are dropped before the pipeline (counted in the stats): shared libraries, /proc, /sys and the like.',
      },
    },
  },
};
