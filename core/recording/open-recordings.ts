/**
 * The recordings this process is writing, by path: retention (retention.ts) never removes one.
 * A session marks its recording as soon as it is created, in the same turn of the event loop,
 * and unmarks it once closed.
 */
const open = new Set<string>();

export function markRecordingOpen(path: string): void {
  open.add(path);
}

export function markRecordingClosed(path: string): void {
  open.delete(path);
}

export function isOpenRecording(path: string): boolean {
  return open.has(path);
}
