/**
 * Replays a recording's output with its original timing, sped up by `speed`, with pauses longer
 * than `idleLimit` seconds shortened to it (as `asciinema play -i`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type CastEvent, readCast } from '../recording/read.js';

export interface PlayOptions {
  speed: number;
  idleLimit?: number;
  write: (data: string) => void;
  signal?: AbortSignal;
}

export async function play(path: string, opts: PlayOptions): Promise<void> {
  let last = 0;
  let first = true;
  for await (const item of readCast(path)) {
    if (first) {
      first = false;
      continue; // the header
    }
    const [t, code, data] = item as CastEvent;
    if (code !== 'o') continue;
    let wait = Math.max(0, t - last);
    if (opts.idleLimit !== undefined) wait = Math.min(wait, opts.idleLimit);
    last = t;
    if (wait > 0)
      await sleep((wait * 1000) / opts.speed, undefined, opts.signal ? { signal: opts.signal } : {});
    opts.write(data);
  }
}
