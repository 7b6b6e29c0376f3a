/**
 * The CLI entry point: the only place that exits the process. Each command lives in its own file
 * under commands/ and is loaded only when named, so `sshtrail play` does not pay for ssh2.
 */
import { SshtrailError } from '../errors.js';

import type { Command } from './command.js';

const commands: Record<string, () => Promise<{ command: Command }>> = {
  serve: () => import('./commands/serve.js'),
  play: () => import('./commands/play.js'),
  recordings: () => import('./commands/recordings.js'),
  validate: () => import('./commands/validate.js'),
  schemas: () => import('./commands/schemas.js'),
  sinks: () => import('./commands/sinks.js'),
  verify: () => import('./commands/verify.js'),
};

async function help(): Promise<string> {
  const lines = ['Usage: sshtrail <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(12)} ${command.summary}`);
  }
  lines.push('', "Run 'sshtrail <command> --help' for a command's options.");
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await help()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { packageRoot } = await import('../paths.js');
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`sshtrail ${pkg.version}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`sshtrail: unknown command '${name}'\n\n${await help()}\n`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof SshtrailError) {
      process.stderr.write(`sshtrail: ${err.message} [${err.code}]\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(
        `sshtrail: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 70;
    }
  },
);
