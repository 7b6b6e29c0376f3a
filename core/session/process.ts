/**
 * A session's process, with a PTY (node-pty) or with pipes (child_process), behind one interface
 * that supports flow control both ways and reports the exit only after all output was read.
 */
import { spawn as spawnChild } from 'node:child_process';
import { read as fsRead, write as fsWrite } from 'node:fs';
import { constants } from 'node:os';
import type { ReadStream } from 'node:tty';
import * as nodePty from 'node-pty';
import { ECHO, ICANON, sysAddon } from '../sys/index.js';
import { procStat } from '../sys/proc-stat.js';

export interface ExitInfo {
  /** Exit code, when the process exited normally. */
  code: number | null;
  /** Signal name without "SIG" (RFC 4254 style), when a signal ended it. */
  signal: string | null;
}

export interface SessionProcess {
  readonly pid: number;
  /** The terminal's path (/dev/pts/N), for a PTY session. */
  readonly tty?: string;
  /** stream 1: stdout (or the PTY), 2: stderr. */
  onOutput(cb: (data: Buffer, stream: 1 | 2) => void): void;
  pauseOutput(): void;
  resumeOutput(): void;
  /** false: the process is not keeping up; wait for onInputDrain before writing more. */
  writeInput(data: Buffer): boolean;
  onInputDrain(cb: () => void): void;
  endInput(): void;
  resize(cols: number, rows: number): void;
  /**
   * With a PTY: whether what the client types now is hidden, that is the terminal reads lines
   * without echo (ECHO off, ICANON on), as every password prompt does (getpass, sudo, passwd,
   * `read -s`, `stty -echo`). Line editors and full-screen programs (readline, vim, less) turn
   * both off and echo for themselves: their input is not hidden. Undefined without a PTY.
   */
  inputHidden?(): boolean;
  kill(signal: NodeJS.Signals): void;
  /**
   * The client is gone: SIGHUP to the process's group and, with a PTY, to the terminal's
   * foreground group, as the kernel does when sshd closes a PTY's master.
   */
  hangUp(): void;
  /** Resolves once the process exited and every byte of its output was delivered. */
  readonly done: Promise<ExitInfo>;
  /** Resolves once the process exited, whatever still holds its output open. */
  readonly exited: Promise<ExitInfo>;
}

const signalNames = new Map<number, string>(
  Object.entries(constants.signals).map(([name, num]) => [num as number, name.replace(/^SIG/, '')]),
);

/** Sends `signal` to process group `pgid`, ignoring one that is gone. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 1) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone
  }
}

/**
 * The session's process leads its own session and group (setsid: node-pty's fork, or spawn's
 * detached): the group holds what it started without job control (`cmd &` in `sh -c`); a job
 * control shell's foreground job has a group of its own, the terminal's.
 */
function hangUpSession(pid: number, withTerminal: boolean): void {
  const st = procStat(pid);
  signalGroup(pid, 'SIGHUP');
  if (withTerminal && st && st.tpgid > 0 && st.tpgid !== pid) signalGroup(st.tpgid, 'SIGHUP');
}

/** Input allowed in flight towards a process before the client is paused. */
const INPUT_HIGH_WATER = 256 * 1024;
/** At the end, how long a silent, unpaused PTY may stay open (a background job holding it). */
const PTY_TAIL_IDLE_MS = 1000;

export interface PtySpawn {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  term: string;
  cols: number;
  rows: number;
}

type UnixPty = nodePty.IPty & { fd: number; _socket: ReadStream; ptsName: string };

export function spawnPty(s: PtySpawn): SessionProcess {
  const p = nodePty.spawn(s.file, s.args, {
    name: s.term,
    cols: s.cols,
    rows: s.rows,
    cwd: s.cwd,
    env: s.env,
    encoding: null,
  }) as unknown as UnixPty;
  // node-pty leaves the master without close-on-exec: every process the server starts later
  // (another login's session, a helper) would inherit it and could type into this terminal.
  // Set it before anything else can fork; the launcher also closes every descriptor above 2.
  try {
    sysAddon().setCloexec(p.fd);
  } catch (err) {
    p.kill('SIGKILL');
    throw err;
  }

  // Reading the PTY to its true end of file. Two traps (docs/design.md, "PTYs"; seen in ~half of
  // the runs of a command printing 100 KB before exiting):
  // - node-pty destroys its read socket 200 ms after the child exits, read or not;
  // - while the kernel hangs up the terminal, a non-blocking read of the master can return 0,
  //   which libuv takes for end of file, with output still buffered behind it.
  // So every destroy() of the socket is deferred, and from the first end/exit on we read the
  // master fd ourselves until it reports EIO (all slaves closed, buffer empty) or stays silent
  // for PTY_TAIL_IDLE_MS (a background job holding the terminal). Only then is the socket
  // destroyed, which makes node-pty emit 'exit': the exit is reported after the last byte.
  const sock = p._socket;
  const realDestroy = sock.destroy.bind(sock);
  let paused = false;
  let draining = false;
  let finished = false;
  let output: ((data: Buffer, stream: 1 | 2) => void) | undefined;
  let lastData = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  const finish = () => {
    if (finished) return;
    finished = true;
    realDestroy();
  };
  let reading = false;
  const drain = () => {
    if (finished || paused || reading) return;
    reading = true;
    fsRead(p.fd, buf, 0, buf.length, null, (err, n) => {
      reading = false;
      if (finished) return;
      if (err && (err as NodeJS.ErrnoException).code !== 'EAGAIN') return finish(); // EIO: the end
      if (!err && n > 0) {
        lastData = Date.now();
        output?.(Buffer.from(buf.subarray(0, n)), 1);
        return setImmediate(drain);
      }
      // Nothing now (EAGAIN, or a transient 0 during hang-up): the child may still be writing.
      if (Date.now() - lastData > PTY_TAIL_IDLE_MS) return finish();
      setTimeout(drain, 5);
    });
  };
  const startDrain = () => {
    if (draining) return;
    draining = true;
    lastData = Date.now();
    sock.pause();
    drain();
  };
  sock.destroy = ((err?: Error) => {
    // EIO through the socket is the real end of file; anything else starts our own drain.
    if (err && (err as NodeJS.ErrnoException).code === 'EIO' && !draining) {
      finished = true;
      return realDestroy(err);
    }
    startDrain();
    return sock;
  }) as typeof sock.destroy;
  sock.on('end', startDrain);

  // Input: our own writer on the master fd, so that we know how much is in flight (node-pty's
  // write() queues without bound and never tells).
  const queue: Buffer[] = [];
  let queued = 0;
  let writing = false;
  let drainCb: (() => void) | undefined;
  let closed = false;
  const pump = () => {
    const buf = queue[0];
    if (!buf || closed) {
      writing = false;
      return;
    }
    writing = true;
    fsWrite(p.fd, buf, 0, buf.length, null, (err, n) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          setTimeout(pump, 5);
          return;
        }
        queue.length = 0; // EIO etc.: the PTY is gone; input has nowhere to go.
        queued = 0;
        writing = false;
        drainCb?.();
        return;
      }
      queued -= n;
      if (n < buf.length) queue[0] = buf.subarray(n);
      else queue.shift();
      if (queued < INPUT_HIGH_WATER / 2) drainCb?.();
      pump();
    });
  };

  const done = new Promise<ExitInfo>((resolve) => {
    p.onExit(({ exitCode, signal }) => {
      closed = true;
      resolve(
        signal
          ? { code: null, signal: signalNames.get(signal) ?? String(signal) }
          : { code: exitCode, signal: null },
      );
    });
  });

  return {
    pid: p.pid,
    tty: p.ptsName,
    inputHidden() {
      if (closed) return false;
      try {
        // One ioctl (TCGETS) per input chunk: keystrokes, not bulk; and the mode may change
        // between any two of them (a prompt turns echo off just before it reads).
        const lflag = sysAddon().ttyLocalModes(p.fd);
        return (lflag & ECHO) === 0 && (lflag & ICANON) !== 0;
      } catch {
        return false; // the terminal is gone: nothing reads the input any more
      }
    },
    onOutput(cb) {
      output = cb;
      p.onData((d) => cb(d as unknown as Buffer, 1));
    },
    pauseOutput() {
      paused = true;
      if (!draining) p.pause();
    },
    resumeOutput() {
      paused = false;
      if (!draining) p.resume();
      else {
        lastData = Date.now();
        drain();
      }
    },
    writeInput(data) {
      if (closed) return true;
      queue.push(data);
      queued += data.length;
      if (!writing) pump();
      return queued < INPUT_HIGH_WATER;
    },
    onInputDrain(cb) {
      drainCb = cb;
    },
    endInput() {
      // A terminal has no half-close; EOF is typed (^D) by the user if wanted. Nothing to do.
    },
    resize(cols, rows) {
      if (!closed) p.resize(cols, rows);
    },
    kill(signal) {
      try {
        process.kill(p.pid, signal);
      } catch {
        // already gone
      }
    },
    hangUp() {
      if (!closed) hangUpSession(p.pid, true);
    },
    done,
    exited: done,
  };
}

export interface PipeSpawn {
  file: string;
  args: string[];
  env: Record<string, string>;
  argv0: string;
}

export function spawnPipes(s: PipeSpawn): SessionProcess {
  // detached: the child calls setsid(), as sshd's session child does. Without it a session stays in
  // the server's session and process group: a Ctrl-C at the server's terminal or a `kill 0` in a
  // root session reaches the server and every other exec session, and the scheduler puts all of
  // them in the server's autogroup, where hundreds of busy sessions starve the server of the CPU
  // it needs to answer new logins (docs/design.md, "Logins under load").
  const child = spawnChild(s.file, s.args, {
    env: s.env,
    argv0: s.argv0,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  // The launcher or the command may exit before reading stdin; that is not our error.
  child.stdin.on('error', () => {});
  const done = new Promise<ExitInfo>((resolve) => {
    // 'close': exited and stdout/stderr reached end of file.
    child.on('close', (code, signal) => {
      resolve(
        signal ? { code: null, signal: signal.replace(/^SIG/, '') } : { code: code ?? 0, signal: null },
      );
    });
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
  let gone = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on('exit', (code, signal) => {
      gone = true;
      resolve(
        signal ? { code: null, signal: signal.replace(/^SIG/, '') } : { code: code ?? 0, signal: null },
      );
    });
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
  return {
    pid: child.pid ?? -1,
    onOutput(cb) {
      child.stdout.on('data', (d: Buffer) => cb(d, 1));
      child.stderr.on('data', (d: Buffer) => cb(d, 2));
    },
    pauseOutput() {
      child.stdout.pause();
      child.stderr.pause();
    },
    resumeOutput() {
      child.stdout.resume();
      child.stderr.resume();
    },
    writeInput(data) {
      if (child.stdin.destroyed || child.stdin.writableEnded) return true;
      return child.stdin.write(data);
    },
    onInputDrain(cb) {
      child.stdin.on('drain', cb);
    },
    endInput() {
      if (!child.stdin.writableEnded) child.stdin.end();
    },
    resize() {},
    kill(signal) {
      child.kill(signal);
    },
    hangUp() {
      if (!gone && child.pid !== undefined) hangUpSession(child.pid, false);
    },
    done,
    exited,
  };
}
