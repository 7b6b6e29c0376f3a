/** `sshtrail play`: replays a recorded session in the terminal. */
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../../config/load.js';
import { SshtrailError } from '../../errors.js';
import { dumpRaw, play } from '../../playback/play.js';
import { findRecording } from '../../recording/read.js';
import type { Command } from '../command.js';

const usage = `Usage: sshtrail play <session-id|file> [options]

Replays a recorded session in this terminal: a PTY session's terminal output (asciicast v2), or
the stdout and stderr of a session without a PTY as they came.

Options:
  --raw                write the recorded bytes of one stream exactly, untimed: sshtrail play ID
                       --raw > out.bin (a PTY session: its terminal output, even where not UTF-8)
  --stream NAME        with --raw: stdout (default), stderr, or stdin (recorded with
                       recording.input; a PTY session's input is in its .cast)
  --speed N            play N times faster (default 1)
  --idle-limit S       shorten pauses longer than S seconds to S
  --data-dir DIR       where recordings live (default ./.sshtrail, /var/lib/sshtrail as root)
  -h, --help           show this help

A unique prefix of a session id is enough. 'asciinema play FILE' plays the .cast files too.`;

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new SshtrailError('SSHTRAIL_E_USAGE', `play: --${name} must be a positive number`);
  return n;
}

export const command: Command = {
  summary: 'replay a recorded session',
  usage,
  async run(argv) {
    let parsed: {
      values: {
        speed?: string;
        'idle-limit'?: string;
        'data-dir'?: string;
        stream?: string;
        raw?: boolean;
      };
      positionals: string[];
    };
    try {
      parsed = parseArgs({
        args: argv,
        options: {
          speed: { type: 'string' },
          'idle-limit': { type: 'string' },
          'data-dir': { type: 'string' },
          stream: { type: 'string' },
          raw: { type: 'boolean' },
        },
        allowPositionals: true,
      });
    } catch (err) {
      throw new SshtrailError('SSHTRAIL_E_USAGE', `play: ${(err as Error).message}\n\n${usage}`);
    }
    const [target, ...extra] = parsed.positionals;
    if (!target || extra.length)
      throw new SshtrailError('SSHTRAIL_E_USAGE', `play: name one session id or file\n\n${usage}`);
    const path = findRecording(parsed.values['data-dir'] ?? defaultDataDir(), target);
    const stream = parsed.values.stream;
    if (stream !== undefined && !parsed.values.raw)
      throw new SshtrailError('SSHTRAIL_E_USAGE', `play: --stream goes with --raw\n\n${usage}`);
    if (parsed.values.raw) {
      const name = stream ?? 'stdout';
      if (name !== 'stdout' && name !== 'stderr' && name !== 'stdin')
        throw new SshtrailError(
          'SSHTRAIL_E_USAGE',
          `play: --stream must be stdout, stderr or stdin, not '${name}'`,
        );
      await dumpRaw(path, name, process.stdout);
      return 0;
    }
    const idleLimit = positive('idle-limit', parsed.values['idle-limit']);
    await play(path, {
      speed: positive('speed', parsed.values.speed) ?? 1,
      ...(idleLimit !== undefined ? { idleLimit } : {}),
      write: (d) => process.stdout.write(d),
    });
    return 0;
  },
};
