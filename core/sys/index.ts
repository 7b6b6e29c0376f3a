/**
 * The system-call addon (build/sshtrail_sys.node, from core/sys/sys.c), typed and loaded once.
 * Built with the launcher on every host; its absence means the build did not run, which is a bug
 * the caller reports, not a host limitation.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildDir } from '../paths.js';

export interface SysAddon {
  /** Sets FD_CLOEXEC on `fd`. Throws with `code` = errno name. */
  setCloexec(fd: number): void;
  /** mount(2). Throws with `code` = errno name (EPERM, EROFS, ENODEV, ...). */
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
  ): void;
  /** A unix stream socket pair: [ours (close-on-exec), the child's (inherited)]. */
  socketPair(): [number, number];
  /** A SOCK_SEQPACKET socketpair: [this end, non-blocking; the child's end], both close-on-exec. */
  seqpacketPair(): [number, number];
  /** Sends one message; false when the socket's buffer is full (try again later). */
  sendPacket(fd: number, data: Buffer): boolean;
  /**
   * Receives one message and the descriptor attached to it (-1: none; close-on-exec); null when
   * nothing is waiting. An empty `data` is the end (the other side closed).
   */
  recvPacket(fd: number): { data: Buffer; fd: number } | null;
  /**
   * A terminal's local modes (termios c_lflag, tcgetattr). On a PTY master Linux answers with the
   * slave's, which is what the session's programs set. Throws with `code` (EBADF, ENOTTY, EIO).
   */
  ttyLocalModes(fd: number): number;
}

/** termios c_lflag bits (Linux, asm-generic/termbits.h). */
export const ICANON = 0o2;
export const ECHO = 0o10;

/** mount(2) flags used here (linux/mount.h). */
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;

let sys: SysAddon | undefined;

export function sysAddon(): SysAddon {
  sys ??= createRequire(import.meta.url)(join(buildDir(), 'sshtrail_sys.node')) as SysAddon;
  return sys;
}
