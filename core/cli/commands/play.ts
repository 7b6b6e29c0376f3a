import type { Command } from '../main.js';

// Placeholder until the command is built; replaced by its owner.
export const command: Command = {
  summary: '(not yet available)',
  usage: 'sshtrail play',
  run: async () => {
    process.stderr.write('sshtrail play: not yet available\n');
    return 1;
  },
};
