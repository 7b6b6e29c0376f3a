/**
 * `npm run bench`: runs every benchmark in its own process, one after another (they would
 * disturb each other's timings side by side), and prints each one's ratios as it goes.
 *   npm run bench                 all of them
 *   npm run bench -- ssh sinks    only those named
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const all = ['ssh', 'pipeline', 'enhanced', 'sinks'];
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${all.join(', ')}\n`);
  process.exit(2);
}

let failed = 0;
for (const name of wanted.length ? wanted : all) {
  const file = join(here, `${name}.js`);
  if (!existsSync(file)) {
    process.stderr.write(`bench: ${name}: not built (${file} missing)\n`);
    failed++;
    continue;
  }
  process.stdout.write(`\n=== bench ${name} ===\n`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`bench: ${name} exited with ${r.status ?? r.signal}\n`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
