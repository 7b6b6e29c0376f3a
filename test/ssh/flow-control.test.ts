/**
 * Flow control toward a client that stops reading: the session's process must be held back by
 * the SSH window (nothing buffers without bound in the server), and once the client reads again
 * every byte arrives. Driven with the real OpenSSH client, whose stdout we stop reading.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/** Polls until `value()` stops changing between two looks (the writer is blocked), or gives up. */
async function settle(value: () => number, looks = 60): Promise<number> {
  let last = -1;
  for (let i = 0; i < looks; i++) {
    const now = value();
    if (now === last) return now;
    last = now;
    await sleep(250);
  }
  return last;
}

test('a client that stops reading holds the command back; nothing piles up in the server; all bytes arrive after', async () => {
  const size = 256 * 1024 * 1024;
  const marker = join(srv.dir, 'writer-finished');
  // The marker appears only once the whole stream was written into the session's pipe.
  const cmd = `head -c ${size} /dev/zero; touch ${marker}`;
  const client = spawn('ssh', [...srv.sshArgs(), cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let received = 0;
  client.stdout.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  client.stdout.pause();
  const rssBefore = rssBytes(srv.process.pid!);

  // Wait until the server's memory stops growing with the client not reading.
  const rssStalled = await settle(() => rssBytes(srv.process.pid!));
  assert.equal(existsSync(marker), false, 'the command wrote everything although nobody read it');
  // The SSH window (2 MiB here) plus socket and pipe buffers is what may be held: far less than
  // the 256 MiB the command wants to write.
  assert.ok(
    rssStalled - rssBefore < 64 * 1024 * 1024,
    `server grew by ${Math.round((rssStalled - rssBefore) / 1048576)} MiB while the client did not read`,
  );

  const done = new Promise<number | null>((resolve) => client.on('close', (code) => resolve(code)));
  client.stdout.resume();
  assert.equal(await done, 0);
  assert.equal(received, size);
  assert.equal(existsSync(marker), true);
});
