import type { Command } from '../main.js';

// Placeholder until the command is built; replaced by its owner.
export const command: Command = {
  summary: '(not yet available)',
  usage: 'sshtrail schemas',
  run: async () => {
    process.stderr.write('sshtrail schemas: not yet available\n');
    return 1;
  },
};
