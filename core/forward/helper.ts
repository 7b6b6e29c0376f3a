/**
 * The server's side of sshtrail-fwd (core/launch/forward.c): one helper per connection that
 * forwards, started through the launcher in the connection's forwarding cgroup as the login. It
 * opens sockets (connect for direct-tcpip, listen for tcpip-forward) and passes them back over a
 * SOCK_SEQPACKET socket; from then on the server moves the bytes itself, at the speed of any
 * socket it owns (docs/design.md, "TCP forwarding").
 */
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir } from '../paths.js';
import { launcherArgs, launcherPath } from '../session/launch.js';
import type { Account } from '../ssh/accounts.js';
import { sysAddon } from '../sys/index.js';

export type Opened =
  | { ok: true; fd: number; addr: string; port: number }
  | { ok: false; code: string; message: string };

interface Pending {
  resolve(r: Opened): void;
}

export class ForwardHelper {
  private readonly fd: number;
  private readonly pending = new Map<number, Pending>();
  /** Requests the socket's buffer had no room for: sent when the next reply makes room. */
  private readonly unsent: Buffer[] = [];
  private next = 1;
  private gone = false;
  private readonly child: ReturnType<typeof spawn>;

  constructor(account: Account, cgroupDir: string | undefined, onExit: (why: string) => void) {
    const sys = sysAddon();
    const [mine, theirs] = sys.seqpacketPair();
    this.fd = mine;
    const program = join(buildDir(), 'sshtrail-fwd');
    try {
      this.child = spawn(
        launcherPath(),
        launcherArgs({
          account,
          ...(cgroupDir ? { cgroupDir } : {}),
          argv0: 'sshtrail-fwd',
          program,
          args: [],
        }),
        // Its own session and process group, as a session's command (core/session/process.ts).
        { stdio: [theirs, 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' }, detached: true },
      );
    } finally {
      closeSync(theirs);
    }
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString();
    });
    // One byte per reply: the doorbell to read the socket.
    this.child.stdout?.on('data', () => this.drain());
    this.child.on('error', (err) => this.fail(`cannot start the forwarding helper: ${err.message}`, onExit));
    this.child.on('exit', (code, signal) => {
      this.drain();
      this.fail(
        `the forwarding helper ended (${signal ?? `exit ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`,
        onExit,
      );
    });
  }

  /** Connects to host:port as the login. */
  connect(host: string, port: number): Promise<Opened> {
    return this.request('C', host, port);
  }

  /** Binds host:port as the login and listens ("*": every address). */
  listen(host: string, port: number): Promise<Opened> {
    return this.request('L', host, port);
  }

  /** Ends the helper: it exits when its end of the socket reads end of file. */
  close(): void {
    if (this.gone) return;
    this.gone = true;
    try {
      closeSync(this.fd);
    } catch {}
    for (const p of this.pending.values())
      p.resolve({ ok: false, code: 'ECANCELED', message: 'connection ended' });
    this.pending.clear();
  }

  private request(op: 'C' | 'L', host: string, port: number): Promise<Opened> {
    if (this.gone)
      return Promise.resolve({ ok: false, code: 'EHELPER', message: 'the forwarding helper is gone' });
    // A host name with white space could not be sent as one word; no resolver would take it.
    if (!/^[^\s\0]{1,255}$/.test(host))
      return Promise.resolve({ ok: false, code: 'ENOTFOUND', message: 'not a host name' });
    const id = this.next++;
    return new Promise<Opened>((resolve) => {
      this.pending.set(id, { resolve });
      this.unsent.push(Buffer.from(`${op} ${id} ${host} ${port}`));
      this.flush();
    });
  }

  private flush(): void {
    const sys = sysAddon();
    while (this.unsent.length > 0 && !this.gone) {
      const msg = this.unsent[0] as Buffer;
      try {
        if (!sys.sendPacket(this.fd, msg)) return;
      } catch {
        return; // EPIPE: the helper is gone; its exit fails what is pending.
      }
      this.unsent.shift();
    }
  }

  private drain(): void {
    if (this.gone) return;
    const sys = sysAddon();
    for (;;) {
      let m: { data: Buffer; fd: number } | null;
      try {
        m = sys.recvPacket(this.fd);
      } catch {
        return;
      }
      if (!m || m.data.length === 0) break;
      this.reply(m.data.toString(), m.fd);
    }
    this.flush();
  }

  private reply(text: string, fd: number): void {
    const [idText, status, a = '', ...rest] = text.split(' ');
    const p = this.pending.get(Number(idText));
    if (!p) {
      if (fd >= 0) closeSync(fd);
      return;
    }
    this.pending.delete(Number(idText));
    if (status === 'ok' && fd >= 0) p.resolve({ ok: true, fd, addr: a, port: Number(rest[0] ?? 0) });
    else {
      if (fd >= 0) closeSync(fd);
      p.resolve({ ok: false, code: a || 'EIO', message: rest.join(' ') });
    }
  }

  private fail(why: string, onExit: (why: string) => void): void {
    const wasOpen = !this.gone;
    this.close();
    if (wasOpen) onExit(why);
  }
}
