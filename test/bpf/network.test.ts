/**
 * session.network from the real kernel: TCP connects from a session's cgroup to listeners in
 * this process, blocking (bash /dev/tcp) and non-blocking (node), IPv4 and IPv6, and a refused one.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { EnhancedRecording } from '../../bpf/index.js';
import { needs } from '../helpers/privileged.js';
import {
  bpfAvailable,
  bpfReason,
  closeRecording,
  RecordingEmitter,
  run,
  session,
  sh,
  startRecording,
} from './helpers.js';

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer((sock) => sock.end());
    srv.once('error', reject);
    srv.listen(0, host, () => resolve(srv));
  });
}
const portOf = (s: Server) => (s.address() as AddressInfo).port;

/** A port nothing listens on: bind, note it, close. */
async function closedPort(): Promise<number> {
  const s = await listen('127.0.0.1');
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
}

const nodeConnect = (host: string, port: number) => [
  process.execPath,
  '-e',
  `const s=require('net').connect(${port},'${host}');s.on('connect',()=>s.end());s.on('error',()=>{});`,
];

describe('network capture', { timeout: 120_000 }, () => {
  const em = new RecordingEmitter();
  let rec: EnhancedRecording | undefined;
  let v4: Server;
  let v6: Server;

  before(async () => {
    v4 = await listen('127.0.0.1');
    v6 = await listen('::1');
    if (bpfAvailable) rec = await startRecording(em, { events: ['command', 'network'] });
  });
  after(async () => {
    await closeRecording(rec);
    v4.close();
    v6.close();
  });

  async function inSession(argv: string[]) {
    assert.ok(rec);
    const s = session('net');
    const placed = await rec.hooks.prepare(s);
    const res = await run(placed.cgroupDir, argv);
    await rec.hooks.finish(s);
    return { res, conns: em.of('session.network', s.session_id), placed };
  }

  test('a blocking connect to 127.0.0.1 gives addresses, ports and success', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const port = portOf(v4);
    const { conns, placed } = await inSession(['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    assert.equal(conns.length, 1, JSON.stringify(conns));
    const c = conns[0] ?? {};
    assert.equal(c.dst_addr, '127.0.0.1');
    assert.equal(c.dst_port, port);
    assert.equal(c.src_addr, '127.0.0.1');
    assert.ok((c.src_port as number) > 0);
    assert.equal(c.ip_version, 4);
    assert.equal(c.protocol, 'tcp');
    assert.equal(c.return_code, 0);
    assert.equal(c.program, 'bash');
    assert.equal(c.cgroup_id, Number(placed.cgroupId));
    assert.deepEqual(em.invalid, []);
  });

  test('a non-blocking connect to ::1 gives IPv6 addresses and its real outcome', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const port = portOf(v6);
    const { conns } = await inSession(nodeConnect('::1', port));
    assert.equal(conns.length, 1, JSON.stringify(conns));
    const c = conns[0] ?? {};
    assert.equal(c.dst_addr, '::1');
    assert.equal(c.src_addr, '::1');
    assert.equal(c.dst_port, port);
    assert.ok((c.src_port as number) > 0);
    assert.equal(c.ip_version, 6);
    assert.equal(c.return_code, 0); // not -EINPROGRESS: the handshake's result
    assert.equal(c.program, 'node');
  });

  test('a non-blocking connect to 127.0.0.1 is reported once, successful', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const port = portOf(v4);
    const { conns } = await inSession(nodeConnect('127.0.0.1', port));
    assert.equal(conns.length, 1, JSON.stringify(conns));
    assert.equal(conns[0]?.return_code, 0);
    assert.equal(conns[0]?.dst_port, port);
  });

  test('a connect to a closed port is reported as refused, blocking or not', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const port = await closedPort();
    const blocking = await inSession(['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    assert.equal(blocking.conns.length, 1, JSON.stringify(blocking.conns));
    assert.equal(blocking.conns[0]?.return_code, -111); // -ECONNREFUSED
    assert.equal(blocking.conns[0]?.dst_port, port);
    const nonBlocking = await inSession(nodeConnect('::1', port));
    assert.equal(nonBlocking.conns.length, 1, JSON.stringify(nonBlocking.conns));
    assert.equal(nonBlocking.conns[0]?.return_code, -111);
    assert.equal(nonBlocking.conns[0]?.ip_version, 6);
  });

  test('a UDP "connect" and a unix socket connect are not TCP connects', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const { conns } = await inSession([
      process.execPath,
      '-e',
      "const d=require('dgram').createSocket('udp4');d.connect(9,'127.0.0.1',()=>d.close());",
    ]);
    assert.deepEqual(conns, []);
    const s = session('net-unix');
    assert.ok(rec);
    const placed = await rec.hooks.prepare(s);
    await sh(placed.cgroupDir, 'logger --socket-errors=off -u /dev/log x 2>/dev/null; true');
    await rec.hooks.finish(s);
    assert.deepEqual(em.of('session.network', s.session_id), []);
  });
});
