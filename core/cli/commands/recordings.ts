/** `sshtrail recordings`: lists recorded sessions. */
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../../config/load.js';
import { SshtrailError } from '../../errors.js';
import { listRecordings } from '../../recording/read.js';
import type { Command } from '../command.js';

const usage = `Usage: sshtrail recordings [options]

Lists recorded sessions, oldest first: id, login, client, start, duration, size on disk, format
(asciicast for PTY sessions, raw for byte-exact streams of sessions without one), exit status
("incomplete" when the recording has no clean end).

Options:
  --data-dir DIR       where recordings live (default ./.sshtrail, /var/lib/sshtrail as root)
  --json               one JSON object per line instead of a table
  -h, --help           show this help`;

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)}${units[u]}`;
}

export const command: Command = {
  summary: 'list recorded sessions',
  usage,
  async run(argv) {
    let values: { 'data-dir'?: string; json?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
      }));
    } catch (err) {
      throw new SshtrailError('SSHTRAIL_E_USAGE', `recordings: ${(err as Error).message}\n\n${usage}`);
    }
    const list = listRecordings(values['data-dir'] ?? defaultDataDir());
    if (values.json) {
      for (const r of list) {
        process.stdout.write(
          `${JSON.stringify({ id: r.id, login: r.login, client: r.client, start: r.start?.toISOString(), duration_s: r.durationS, size: r.size, format: r.format, status: r.status, path: r.path })}\n`,
        );
      }
      return 0;
    }
    const rows = [['ID', 'LOGIN', 'CLIENT', 'START', 'DURATION', 'SIZE', 'FORMAT', 'STATUS']];
    for (const r of list) {
      rows.push([
        r.id,
        r.login,
        r.client,
        r.start ? r.start.toISOString().replace(/\.\d+Z$/, 'Z') : '-',
        `${r.durationS.toFixed(1)}s`,
        human(r.size),
        r.format,
        r.status,
      ]);
    }
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of rows)
      process.stdout.write(
        `${row
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
      );
    return 0;
  },
};
