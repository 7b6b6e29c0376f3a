/**
 * Ends the recording of a session whose server crashed: what was on file stays, a torn last line
 * (the server died inside a write) is cut back to the last whole line, and the end marker
 * `sshtrail:end reason=server_crash` is appended, timed from the session's start to now. A raw
 * recording (a directory) gets the same in its timing index (`end <t> reason=server_crash`); its
 * stream files are exact prefixes already.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { END_MARKER } from './asciicast.js';

/** How far back a torn line is looked for: a flush writes at most a few chunks of 64 KiB. */
const TAIL = 1024 * 1024;

export function endCrashedRecording(path: string, startedAt: number, now = Date.now()): void {
  const t = (Math.max(0, now - startedAt) / 1000).toFixed(6);
  if (statSync(path).isDirectory()) {
    appendAfterWholeLines(join(path, 'timing'), `end ${t} reason=server_crash\n`);
    return;
  }
  appendAfterWholeLines(path, `[${t}, "m", ${JSON.stringify(`${END_MARKER} reason=server_crash`)}]\n`);
}

/** Cuts a torn last line back to the last whole one, then appends `line`. */
function appendAfterWholeLines(path: string, line: string): void {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, size - TAIL);
    const tail = Buffer.alloc(size - from);
    readSync(fd, tail, 0, tail.length, from);
    let end = size;
    if (size > 0 && tail[tail.length - 1] !== 0x0a) {
      const nl = tail.lastIndexOf(0x0a);
      end = nl >= 0 ? from + nl + 1 : from;
      ftruncateSync(fd, end);
    }
    writeSync(fd, line, end);
  } finally {
    closeSync(fd);
  }
}
