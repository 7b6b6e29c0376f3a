/**
 * What a session's recording holds, read the same way for both formats (asciicast for PTY
 * sessions, raw streams for sessions without one) through sshtrail's own readers, so tests of
 * other features say "the output reached the recording" and "it ended so" without caring which.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { END_MARKER } from '../../core/recording/asciicast.js';
import { isRawRecording, parseTimingLine } from '../../core/recording/raw-read.js';

/** The recorded output (stdout and stderr, or the terminal's), as text. */
export function recordedOutput(path: string): string {
  if (isRawRecording(path)) {
    const read = (s: string) => {
      try {
        return readFileSync(join(path, s), 'utf8');
      } catch {
        return '';
      }
    };
    return read('stdout') + read('stderr');
  }
  let out = '';
  for (const l of readFileSync(path, 'utf8').split('\n').filter(Boolean).slice(1)) {
    const [, code, data] = JSON.parse(l) as [number, string, string];
    if (code === 'o') out += data;
  }
  return out;
}

/**
 * How the recording says its session ended ("exit=0", "signal=HUP", "reason=server_crash"), from
 * its last record; undefined when the last record is not an end marker (a cut recording).
 */
export function recordingEnd(path: string): string | undefined {
  if (isRawRecording(path)) {
    const last = readFileSync(join(path, 'timing'), 'utf8').trim().split('\n').at(-1) ?? '';
    const e = parseTimingLine(last);
    return e && 'end' in e ? e.end : undefined;
  }
  const last = readFileSync(path, 'utf8').trim().split('\n').at(-1) ?? '';
  try {
    const [, code, data] = JSON.parse(last) as [number, string, string];
    return code === 'm' && data.startsWith(`${END_MARKER} `) ? data.slice(END_MARKER.length + 1) : undefined;
  } catch {
    return undefined;
  }
}
