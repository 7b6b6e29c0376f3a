/**
 * JSON Schema fragment for `enhanced_recording` (cgroup v2 + eBPF). core/config composes it into
 * the whole config schema. (Owned by enhanced recording.)
 */
export const enhancedConfigProperties: Record<string, unknown> = {
  enhanced_recording: {
    type: 'object',
    description: 'Kernel-level capture of commands, files and connections.',
  },
};
