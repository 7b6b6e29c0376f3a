/**
 * `npm run bench`: runs every benchmark in its own process, one after another (they would
 * disturb each other's timings side by side), and prints each one's ratios as it goes.
 *   npm run bench                 all of them
 *   npm run bench -- ssh sinks    only those named
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const all = [
  'ssh',
  'sftp',
  'forward',
  'logins',
  'failing-sink',
  'pipeline',
  'enhanced',
  'sinks',
  'recording',
];
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${all.join(', ')}\n`);
  process.exit(2);
}

// The benchmarks measure the server's code in their own processes: run them with the node flags
// the server runs with (its launcher's #! line), or the figures would be for another runtime.
const shebang = readFileSync(join(here, '..', '..', 'bin', 'sshtrail'), 'utf8').split('\n', 1)[0] ?? '';
const nodeFlags = shebang.split(/\s+/).filter((a) => a.startsWith('--'));
process.stdout.write(`node ${process.version}, flags as bin/sshtrail: ${nodeFlags.join(' ') || '(none)'}\n`);

let failed = 0;
for (const name of wanted.length ? wanted : all) {
  const file = join(here, `${name}.js`);
  if (!existsSync(file)) {
    process.stderr.write(`bench: ${name}: not built (${file} missing)\n`);
    failed++;
    continue;
  }
  process.stdout.write(`\n=== bench ${name} ===\n`);
  const r = spawnSync(process.execPath, [...nodeFlags, file], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`bench: ${name} exited with ${r.status ?? r.signal}\n`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
