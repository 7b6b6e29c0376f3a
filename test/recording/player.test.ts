/**
 * asciinema-player (the web player) must play sshtrail's recordings. Its core, the part that
 * fetches a recording, parses it and drives playback, runs in Node: fed a recording, it must play
 * back exactly what the client was shown on the wire. (Its terminal renderer needs a browser.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startServer, type TestServer } from '../helpers/server.js';

interface PlayerCore {
  addEventListener(name: string, handler: (data: unknown) => void): void;
  terminalReady(): void;
  init(): Promise<void>;
}
type CoreClass = new (src: { url: string }, opts: Record<string, unknown>) => PlayerCore;

/** The player's Core class: its package exports only the browser `create`, which mounts a UI. */
async function playerCore(): Promise<CoreClass> {
  // The package's exports hide package.json: resolve its main entry (dist/index.js) instead.
  const dist = dirname(createRequire(import.meta.url).resolve('asciinema-player'));
  const index = readFileSync(join(dist, 'index.js'), 'utf8');
  const file = /import \{ C as Core \} from '\.\/(core-[\w-]+\.js)'/.exec(index)?.[1];
  assert.ok(file, 'asciinema-player: its index no longer imports Core as it did (3.18); update this test');
  const mod = (await import(pathToFileURL(join(dist, file)).href)) as { C: CoreClass };
  return mod.C;
}

/** Plays a recording at high speed and returns everything the player output. */
async function play(castPath: string): Promise<string> {
  const Core = await playerCore();
  const url = `data:application/x-asciicast;base64,${readFileSync(castPath).toString('base64')}`;
  const quiet = () => {};
  const errors: unknown[] = [];
  const logger = {
    log: quiet,
    debug: quiet,
    info: quiet,
    warn: quiet,
    error: (e: unknown) => errors.push(e),
  };
  const core = new Core({ url }, { logger, autoPlay: true, speed: 1000, idleTimeLimit: 0.001 });
  let out = '';
  const ended = new Promise<void>((resolve, reject) => {
    core.addEventListener('ended', () => resolve());
    core.addEventListener('error', (e) => reject(new Error(`asciinema-player: ${JSON.stringify(e)}`)));
    setTimeout(() => reject(new Error('asciinema-player did not finish within 30 s')), 30_000).unref();
  });
  core.addEventListener('output', (d) => {
    out += Array.isArray(d) ? d.join('') : String(d);
  });
  core.terminalReady();
  await core.init();
  await ended;
  assert.deepEqual(errors, []);
  return out;
}

describe('asciinema-player', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('plays back exactly what the client was shown (UTF-8, escapes, 300 lines)', async () => {
    const script =
      'printf "plain line\\n"; printf "\\033[1;31mbold red\\033[0m\\n"; printf "\\342\\234\\223 gr\\303\\274\\303\\237e \\360\\237\\221\\213\\n"; ' +
      'seq 1 300; printf "\\tend\\r\\n"; exit 21';
    const r = await srv.ssh([script], { tty: true });
    assert.equal(r.code, 21);
    const ev = await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end' && x.exit_code === 21));
    const end = ev.find((x) => x.type === 'session.end' && x.exit_code === 21);
    assert.ok(end?.recording);
    const played = await play(String(end.recording));
    assert.equal(played, r.stdout.toString('utf8'));
    assert.match(played, /✓ grüße 👋/);
  });
});
