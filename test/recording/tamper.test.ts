/**
 * Tamper evidence (issue 13): every recording file and the audit file carry a hash chain beside
 * them, `sshtrail verify` names what does not match, and the audit.checkpoint events (the SIEM's
 * copy) catch a local chain rewritten consistently. A SIGKILLed server's files verify, their
 * tail reported as unanchored, not as tampering. Through the real server and OpenSSH's client.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as pty from 'node-pty';
import {
  CHAIN_SUFFIX,
  closeLine,
  genesis,
  headerLine,
  linkLine,
  nextLink,
  parseHeader,
  sha256hex,
} from '../../core/integrity/chain.js';
import { type EventRecord, sshtrailBin, startServer, type TestServer } from '../helpers/server.js';
import { validateAuditFile } from '../helpers/session-checks.js';

function verify(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [sshtrailBin, 'verify', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const tamperedLines = (out: string) => out.split('\n').filter((l) => l.startsWith('TAMPERED'));

/** One exec session (raw streams) and one PTY session (asciicast); their recordings' paths. */
async function record(srv: TestServer): Promise<{ cast: string; raw: string }> {
  const r = await srv.ssh(['seq 1 20000; echo err >&2; exit 3']);
  assert.equal(r.code, 3, r.stderr);
  const term = pty.spawn('ssh', srv.sshArgs({ tty: true }), { name: 'xterm', cols: 80, rows: 24 });
  let seen = '';
  term.onData((d) => {
    seen += d;
  });
  term.write('seq 1 3000; echo done-$((6*7)); exit 4\r');
  const ev = await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.end').length === 2, 30_000);
  // The client may still be handing the last output over after the server's session.end.
  for (let i = 0; i < 200 && !/done-42/.test(seen); i++) await sleep(50);
  term.kill();
  assert.match(seen, /done-42/);
  const ends = ev.filter((x) => x.type === 'session.end');
  const path = (code: number) => String(ends.find((e) => e.exit_code === code)?.recording);
  return { raw: path(3), cast: path(4) };
}

function exportCheckpoints(events: EventRecord[], to: string): number {
  const cps = events.filter((e) => e.type === 'audit.checkpoint');
  writeFileSync(to, cps.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return cps.length;
}

describe('tamper evidence', { timeout: 180_000 }, () => {
  it('a session’s recordings and the audit file verify clean; a flipped byte, a deleted line and a truncation are each named', async () => {
    const srv = await startServer({ config: { integrity: { checkpoint_interval_seconds: 1 } } });
    let keep = false;
    try {
      const { cast, raw } = await record(srv);
      // Players read the .cast untouched: the chain is a sidecar, every line of the cast is asciicast.
      for (const l of readFileSync(cast, 'utf8').trim().split('\n').slice(1))
        assert.ok(Array.isArray(JSON.parse(l)), l);
      assert.ok(readdirSync(raw).includes(`stdout${CHAIN_SUFFIX}`));
      await srv.stop('SIGTERM', { keepDir: true });
      keep = true;
      const dataDir = srv.dataDir;
      const clean = verify(['--data-dir', dataDir]);
      assert.equal(clean.code, 0, clean.out);
      assert.deepEqual(tamperedLines(clean.out), []);
      assert.match(clean.out, new RegExp(`ok ${cast}: \\d+ blocks, \\d+ bytes intact, closed`));
      assert.match(clean.out, /ok .*audit\.ndjson: /);
      assert.equal(validateAuditFile(dataDir).code, 0, 'every event, audit.checkpoint included, validates');
      const events = readFileSync(join(dataDir, 'events', 'audit.ndjson'), 'utf8');
      assert.match(events, /"type":"audit\.checkpoint"/);

      // One byte flipped in the .cast: its block and lines are named.
      const castBytes = readFileSync(cast);
      const at = castBytes.indexOf('done-42');
      castBytes[at] = 'D'.charCodeAt(0);
      writeFileSync(cast, castBytes);
      let r = verify([cast]);
      assert.equal(r.code, 1, r.out);
      assert.match(
        r.out,
        new RegExp(`TAMPERED ${cast}: block \\d+ \\(bytes \\d+-\\d+, lines \\d+-\\d+\\): content differs`),
      );

      // A line deleted from the audit file.
      const audit = join(dataDir, 'events', 'audit.ndjson');
      const lines = readFileSync(audit, 'utf8').split('\n');
      writeFileSync(audit, [...lines.slice(0, 2), ...lines.slice(3)].join('\n'));
      r = verify([audit]);
      assert.equal(r.code, 1, r.out);
      assert.match(
        r.out,
        // The block holding the deleted line, or (the file being shorter) a block past its end.
        new RegExp(
          `TAMPERED ${audit}: block \\d+ \\(bytes \\d+-\\d+, lines \\d+-\\d+\\): (content differs|the file ends at byte \\d+ \\(truncated, or bytes removed)`,
        ),
      );

      // A raw stream truncated.
      const stdout = join(raw, 'stdout');
      truncateSync(stdout, 1000);
      r = verify([raw]);
      assert.equal(r.code, 1, r.out);
      assert.match(
        r.out,
        new RegExp(
          `TAMPERED ${stdout}: block \\d+ \\(bytes \\d+-\\d+\\): the file ends at byte 1000 \\(truncated`,
        ),
      );
      assert.match(
        r.out,
        new RegExp(`ok ${join(raw, 'timing')}: `),
        'the other files of the recording are intact',
      );

      // Bytes added after the close, and a file whose chain was deleted.
      appendFileSync(join(raw, 'stderr'), 'more\n');
      writeFileSync(`${join(raw, 'timing')}${CHAIN_SUFFIX}`, '');
      r = verify([raw]);
      assert.match(r.out, /TAMPERED .*stderr: bytes \d+-\d+: appended after the file was closed/);
      assert.match(r.out, /TAMPERED .*timing: .*not a chain header/);
    } finally {
      if (keep) spawnSync('rm', ['-rf', srv.dir]);
      else await srv.stop();
    }
  });

  it('a local chain rewritten consistently passes on its own but not against the SIEM’s checkpoints; signatures need the right key', async () => {
    const signing = generateKeyPairSync('ed25519');
    const dir0 = `/tmp/sshtrail-tamper-keys-${process.pid}`;
    spawnSync('mkdir', ['-p', dir0]);
    const keyFile = join(dir0, 'sign.pem');
    const pubFile = join(dir0, 'sign.pub.pem');
    const wrongFile = join(dir0, 'wrong.pub.pem');
    writeFileSync(keyFile, signing.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pubFile, signing.publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(
      wrongFile,
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const srv = await startServer({
      config: { integrity: { checkpoint_interval_seconds: 1, signing_key: keyFile } },
    });
    let keep = false;
    try {
      const { cast } = await record(srv);
      // The recording's final digest has reached the audit stream (the SIEM's copy).
      await srv.waitForEvents((e) =>
        e.some(
          (x) =>
            x.type === 'audit.checkpoint' &&
            (x.files as { file: string; closed?: boolean }[]).some((f) => cast.endsWith(f.file) && f.closed),
        ),
      );
      await srv.stop('SIGTERM', { keepDir: true });
      keep = true;
      const siem = join(srv.dir, 'siem-export.ndjson');
      assert.ok(exportCheckpoints(srv.readEvents(), siem) > 0);
      for (const e of srv.readEvents().filter((x) => x.type === 'audit.checkpoint'))
        assert.equal((e.signature as { alg: string }).alg, 'ed25519');

      let r = verify(['--data-dir', srv.dataDir, '--checkpoints', siem, '--public-key', pubFile]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, new RegExp(`ok ${cast}: anchored up to byte \\d+ by the checkpoint of `));

      r = verify(['--data-dir', srv.dataDir, '--checkpoints', siem, '--public-key', wrongFile]);
      assert.equal(r.code, 1, r.out);
      assert.match(
        r.out,
        /TAMPERED .*siem-export\.ndjson: the checkpoint of .*: signature does not verify with the given key/,
      );

      // The attacker edits the cast and rebuilds its chain from scratch, same chain id and all.
      const edited = Buffer.from(readFileSync(cast, 'utf8').replace('done-42', 'done-00'));
      writeFileSync(cast, edited);
      const side = cast + CHAIN_SUFFIX;
      const header = parseHeader(readFileSync(side, 'utf8').split('\n')[0] ?? '');
      assert.ok(header);
      const text = headerLine(header);
      const hash = sha256hex(edited);
      const link = nextLink(genesis(text), 0, edited.length, hash);
      writeFileSync(
        side,
        text +
          linkLine({ kind: 'block', offset: 0, length: edited.length, hash, link }) +
          closeLine(edited.length, link),
      );
      r = verify([cast]);
      assert.equal(r.code, 0, `a consistent rewrite fools the local check alone: ${r.out}`);
      r = verify(['--data-dir', srv.dataDir, '--checkpoints', siem, cast]);
      assert.equal(r.code, 1, r.out);
      assert.match(
        r.out,
        new RegExp(`TAMPERED ${cast}: (block \\d+ differs from|the chain has 1 blocks;) the checkpoint of `),
      );

      // The same export as Splunk writes it (one result per line, the event in _raw).
      const splunk = join(srv.dir, 'splunk-export.ndjson');
      const rows = readFileSync(siem, 'utf8').trim().split('\n');
      writeFileSync(
        splunk,
        rows.map((l) => `${JSON.stringify({ preview: false, result: { _raw: l } })}\n`).join(''),
      );
      r = verify(['--data-dir', srv.dataDir, '--checkpoints', splunk, '--public-key', pubFile, cast]);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, new RegExp(`TAMPERED ${cast}: `));
    } finally {
      spawnSync('rm', ['-rf', dir0]);
      if (keep) spawnSync('rm', ['-rf', srv.dir]);
      else await srv.stop();
    }
  });

  it('a SIGKILLed server’s files verify: the tail past the last chained block is unanchored, not tampered', async () => {
    const config = { integrity: { checkpoint_interval_seconds: 1 } };
    const first = await startServer({ config });
    const dir = first.dir;
    let srv: TestServer | undefined;
    try {
      // Output that never stops, in both formats, while the server is killed.
      const exec = first.ssh(['while :; do seq 1 2000; sleep 0.05; done'], { timeoutMs: 60_000 });
      const term = pty.spawn('ssh', first.sshArgs({ tty: true }), { name: 'xterm', cols: 80, rows: 24 });
      term.write('while :; do seq 1 500; sleep 0.05; done\r');
      await first.waitForEvents((e) => e.filter((x) => x.type === 'session.start').length === 2);
      // Some blocks chained and anchored before the kill.
      await first.waitForEvents((e) => e.filter((x) => x.type === 'audit.checkpoint').length >= 2);
      await sleep(300);
      await first.stop('SIGKILL', { keepDir: true });
      term.kill();
      await exec;
      let r = verify(['--data-dir', first.dataDir]);
      assert.equal(r.code, 0, r.out);
      assert.deepEqual(tamperedLines(r.out), []);
      // The restart closes the recordings (an end marker after the tail) and adopts the audit
      // file's unchained tail: still no tampering, the tails reported as such.
      srv = await startServer({ dir, config });
      await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.end').length === 2, 30_000);
      await srv.stop('SIGTERM', { keepDir: true });
      const siem = join(dir, 'siem.ndjson');
      exportCheckpoints(srv.readEvents(), siem);
      r = verify(['--data-dir', srv.dataDir, '--checkpoints', siem]);
      assert.equal(r.code, 0, r.out);
      assert.deepEqual(tamperedLines(r.out), []);
      assert.match(r.out, /UNANCHORED .*\.cast: bytes \d+-\d+ \(the tail after the last chained block\)/);
      assert.match(r.out, /UNANCHORED .*\/timing: bytes \d+-\d+ \(the tail/);
      assert.equal(validateAuditFile(srv.dataDir).code, 0);
    } finally {
      if (first.process.exitCode === null && first.process.signalCode === null) await first.stop();
      spawnSync('rm', ['-rf', dir]);
    }
  });

  it('the audit file’s chain goes on across a clean restart: nothing unanchored, no chain set aside', async () => {
    const config = { integrity: { checkpoint_interval_seconds: 1 } };
    const first = await startServer({ config });
    const dir = first.dir;
    try {
      assert.equal((await first.ssh(['echo one'])).code, 0);
      await first.waitForEvents((e) => e.some((x) => x.type === 'session.end'));
      await first.stop('SIGTERM', { keepDir: true });
      const srv = await startServer({ dir, config });
      assert.equal((await srv.ssh(['echo two'])).code, 0);
      await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.end').length === 2);
      await srv.stop('SIGTERM', { keepDir: true });
      const audit = join(srv.dataDir, 'events', 'audit.ndjson');
      const r = verify([audit]);
      assert.equal(r.code, 0, r.out);
      assert.doesNotMatch(r.out, /UNANCHORED/);
      assert.deepEqual(
        readdirSync(join(srv.dataDir, 'events')).filter((f) => f.includes('.chain.old')),
        [],
      );
    } finally {
      spawnSync('rm', ['-rf', dir]);
    }
  });

  it('a rotated audit file keeps its chain: every rotated file verifies, anchored by the checkpoints taken before its rotation', async () => {
    const srv = await startServer({
      config: {
        integrity: { checkpoint_interval_seconds: 1 },
        sinks: [{ type: 'file', rotate: { max_bytes: 8192, keep: 0 }, batch: { timeout_ms: 20 } }],
      },
    });
    let keep = false;
    try {
      for (let i = 0; i < 6; i++) assert.equal((await srv.ssh([`echo ${i}`])).code, 0);
      await srv.waitForEvents((e) => e.filter((x) => x.type === 'audit.checkpoint').length >= 2);
      await srv.stop('SIGTERM', { keepDir: true });
      keep = true;
      const events = join(srv.dataDir, 'events');
      const rotated = readdirSync(events).filter((f) => /^audit-.*\.ndjson$/.test(f));
      assert.ok(rotated.length >= 2, `rotated: ${rotated.join(' ')}`);
      for (const f of rotated) assert.ok(readdirSync(events).includes(f + CHAIN_SUFFIX), `${f} has no chain`);
      const all = rotated
        .map((f) => readFileSync(join(events, f), 'utf8'))
        .join('')
        .concat(readFileSync(join(events, 'audit.ndjson'), 'utf8'));
      const siem = join(srv.dir, 'siem.ndjson');
      writeFileSync(
        siem,
        all
          .split('\n')
          .filter((l) => l.includes('"audit.checkpoint"'))
          .join('\n'),
      );
      const r = verify(['--data-dir', srv.dataDir, '--checkpoints', siem]);
      assert.equal(r.code, 0, r.out);
      for (const f of rotated)
        assert.match(r.out, new RegExp(`ok ${join(events, f)}: \\d+ blocks, \\d+ bytes intact, closed`));
      assert.match(r.out, /ok .*audit-.*\.ndjson: anchored up to byte \d+ by the checkpoint of /);
    } finally {
      if (keep) spawnSync('rm', ['-rf', srv.dir]);
      else await srv.stop();
    }
  });
});
