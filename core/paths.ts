import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding sshtrail's package.json. Found by walking up from this module so that it
 * works from the compiled tree (dist/core/paths.js) and from an installed package alike.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir)
      throw new Error('sshtrail: cannot find the package root (package.json with schemas/)');
    dir = parent;
  }
}

/** Native artefacts (BPF objects, the N-API addon, the launcher) built by scripts/build.sh. */
export function buildDir(): string {
  return join(packageRoot(), 'build');
}
