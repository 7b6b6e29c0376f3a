/**
 * A real rsyslog (Debian's rsyslogd) run by the test with its own config and no system config:
 * imtcp on a loopback port (octet-counted framing), every message written by omfile as the
 * fields rsyslog parsed from it (PRI, timestamp, hostname, app-name, procid, msgid, structured
 * data, msg), tab-separated. Stopped and restarted on the same port for the "down" fault.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RSYSLOGD = '/usr/sbin/rsyslogd';

export interface SyslogRecord {
  pri: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procid: string;
  msgid: string;
  structuredData: string;
  msg: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class RsyslogReceiver {
  readonly dir = mkdtempSync(join(tmpdir(), 'sshtrail-rsyslog-'));
  private child: ChildProcess | null = null;
  port = 0;

  private get out(): string {
    return join(this.dir, 'out.log');
  }

  async start(): Promise<void> {
    if (this.child) return;
    const portFile = join(this.dir, 'port');
    rmSync(portFile, { force: true });
    const conf = join(this.dir, 'rsyslog.conf');
    writeFileSync(
      conf,
      [
        `global(workDirectory="${this.dir}" maxMessageSize="256k")`,
        'module(load="imtcp")',
        'template(name="fields" type="string" string="%pri%\\t%timereported:::date-rfc3339%\\t%hostname%\\t%app-name%\\t%procid%\\t%msgid%\\t%structured-data%\\t%msg%\\n")',
        `input(type="imtcp" address="127.0.0.1" port="${this.port}" listenPortFileName="${portFile}" ruleset="out")`,
        `ruleset(name="out") { action(type="omfile" file="${this.out}" template="fields") }`,
        '',
      ].join('\n'),
    );
    const child = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(this.dir, 'rsyslogd.pid')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    if (this.port !== 0) {
      // A fixed port (restart): rsyslog writes no port file then; wait until it accepts.
      for (let i = 0; i < 500 && !(await accepts(this.port)); i++) {
        if (child.exitCode !== null) throw new Error(`rsyslogd exited: ${stderr}`);
        await sleep(10);
      }
      return;
    }
    for (let i = 0; i < 500; i++) {
      if (existsSync(portFile) && readFileSync(portFile, 'utf8').trim()) break;
      if (child.exitCode !== null) throw new Error(`rsyslogd exited: ${stderr}`);
      await sleep(10);
    }
    const port = Number(readFileSync(portFile, 'utf8').trim());
    if (!port) throw new Error(`rsyslogd did not report its port: ${stderr}`);
    this.port = port;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.child = null;
    if (c.exitCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (c.exitCode === null) c.kill('SIGKILL');
    }
  }

  records(): SyslogRecord[] {
    if (!existsSync(this.out)) return [];
    const text = readFileSync(this.out, 'utf8');
    // Only complete lines: rsyslogd may be half-way through writing the last one.
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => {
        const [pri, timestamp, hostname, appName, procid, msgid, structuredData, ...rest] = l.split('\t');
        return {
          pri: Number(pri),
          timestamp: timestamp ?? '',
          hostname: hostname ?? '',
          appName: appName ?? '',
          procid: procid ?? '',
          msgid: msgid ?? '',
          structuredData: structuredData ?? '',
          msg: rest.join('\t'),
        };
      });
  }

  /** Waits (bounded) until at least n records are in the output file. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<SyslogRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.records();
      if (r.length >= n || Date.now() > deadline) return r;
      await sleep(20);
    }
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
