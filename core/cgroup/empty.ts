/**
 * Waits for a cgroup to empty: its cgroup.events file says `populated 0` once no process is left
 * in it or below it. The kernel notifies a change of that file as a modification (inotify, which
 * fs.watch uses), so nothing is polled while processes linger; where inotify cannot be had
 * (fs.watch throws), the file is read once every FALLBACK_POLL_MS instead.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const FALLBACK_POLL_MS = 1000;

/** true while a process is in the cgroup's subtree; false once none is (or the cgroup is gone). */
export async function isPopulated(dir: string): Promise<boolean> {
  try {
    return /^populated 1$/m.test(await readFile(join(dir, 'cgroup.events'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export type EmptyWait = 'emptied' | 'aborted';

/**
 * Resolves 'emptied' once the cgroup holds no process, or 'aborted' when `signal` fires first
 * (the server stops watching). A read error other than ENOENT counts as emptied: nothing more
 * can be learnt about the cgroup then.
 */
export function waitUntilEmpty(dir: string, signal?: AbortSignal): Promise<EmptyWait> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    let checking = false;
    let again = false;
    const finish = (how: EmptyWait) => {
      if (done) return;
      done = true;
      watcher?.close();
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(how);
    };
    const onAbort = () => finish('aborted');
    // One read at a time; a change notified during a read gets one more read after it.
    const check = () => {
      if (done) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      isPopulated(dir).then(
        (populated) => {
          checking = false;
          if (!populated) finish('emptied');
          else if (again) {
            again = false;
            check();
          }
        },
        () => {
          checking = false;
          finish('emptied');
        },
      );
    };
    if (signal?.aborted) return finish('aborted');
    signal?.addEventListener('abort', onAbort);
    try {
      watcher = watch(join(dir, 'cgroup.events'), { persistent: false }, check);
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
        timer ??= setInterval(check, FALLBACK_POLL_MS).unref();
      });
    } catch {
      timer = setInterval(check, FALLBACK_POLL_MS).unref();
    }
    // Read once the watch is in place: an exit before it was set up is not missed.
    check();
  });
}
