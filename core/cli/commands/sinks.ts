import type { Command } from '../main.js';

// Placeholder until the command is built; replaced by its owner.
export const command: Command = {
  summary: '(not yet available)',
  usage: 'sshtrail sinks',
  run: async () => {
    process.stderr.write('sshtrail sinks: not yet available\n');
    return 1;
  },
};
