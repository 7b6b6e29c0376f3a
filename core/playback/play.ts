/**
 * Replays a recording's output with its original timing, sped up by `speed`, with pauses longer
 * than `idleLimit` seconds shortened to it (as `asciinema play -i`). Both formats: asciicast (a
 * PTY session's terminal output) and raw (stdout and stderr of a session without a PTY, byte for
 * byte, interleaved as they came). `dumpRaw` writes one raw stream's bytes exactly, untimed.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SshtrailError } from '../errors.js';
import { isRawRecording, readTiming, StreamReader } from '../recording/raw-read.js';
import { RAW_SUFFIX, type RawStream } from '../recording/raw-streams.js';
import { type CastEvent, readCast } from '../recording/read.js';

export interface PlayOptions {
  speed: number;
  idleLimit?: number;
  write: (data: string | Uint8Array) => void;
  signal?: AbortSignal;
}

/** Waits for the gap between two output times, as the options shape it. */
function pacer(opts: PlayOptions): (t: number) => Promise<void> {
  let last = 0;
  return async (t) => {
    let wait = Math.max(0, t - last);
    if (opts.idleLimit !== undefined) wait = Math.min(wait, opts.idleLimit);
    last = t;
    if (wait > 0)
      await sleep((wait * 1000) / opts.speed, undefined, opts.signal ? { signal: opts.signal } : {});
  };
}

export async function play(path: string, opts: PlayOptions): Promise<void> {
  if (isRawRecording(path)) return playRaw(path, opts);
  const pace = pacer(opts);
  let first = true;
  for await (const item of readCast(path)) {
    if (first) {
      first = false;
      continue; // the header
    }
    const [t, code, data] = item as CastEvent;
    if (code !== 'o') continue;
    await pace(t);
    opts.write(data);
  }
}

async function playRaw(dir: string, opts: PlayOptions): Promise<void> {
  const pace = pacer(opts);
  const out = new StreamReader(dir, 'stdout');
  const err = new StreamReader(dir, 'stderr');
  try {
    for await (const e of readTiming(dir)) {
      if ('end' in e || e.stream === 'stdin') continue;
      await pace(e.t);
      const bytes = (e.stream === 'stdout' ? out : err).read(e.bytes);
      if (bytes.length) opts.write(bytes);
    }
  } finally {
    out.close();
    err.close();
  }
}

/** Copies one stream of a raw recording to `to`, byte for byte. */
export async function dumpRaw(path: string, stream: RawStream, to: NodeJS.WritableStream): Promise<void> {
  // A PTY session's exact output is beside its .cast (pty-recorder.ts); its input is in the .cast.
  const beside = path.endsWith('.cast') ? `${path.slice(0, -'.cast'.length)}${RAW_SUFFIX}` : path;
  const dir = isRawRecording(beside) ? beside : path;
  if (!isRawRecording(dir))
    throw new SshtrailError(
      'SSHTRAIL_E_USAGE',
      `${path} is an asciicast recording without raw output beside it (recorded before sshtrail kept it)`,
    );
  if (dir !== path && stream === 'stdin')
    throw new SshtrailError(
      'SSHTRAIL_E_USAGE',
      `${path}: a PTY session's input is in its .cast (i events), not a raw stream`,
    );
  const src = createReadStream(join(dir, stream));
  await new Promise<void>((resolve, reject) => {
    src.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT')
        reject(
          new SshtrailError(
            'SSHTRAIL_E_NOT_FOUND',
            `${dir}: no ${stream} stream (stdin is recorded only with recording.input on)`,
          ),
        );
      else reject(e);
    });
    src.on('end', () => resolve());
    src.pipe(to, { end: false });
  });
}
