/**
 * Each server's own cgroup subtree under the configured root: <root>/<name>-<hash>, from the data
 * dir's path (one server per data dir, core/data-dir.ts). Two servers on one host (two ports, an
 * upgrade beside the old one) then never see, clean up or remove each other's session cgroups,
 * and a server restarted on the same data dir finds what its crashed run left.
 */
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';

export function instanceName(dataDir: string): string {
  const path = resolve(dataDir);
  const label = basename(path)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 12);
  return `${label || 'data'}-${hash}`;
}

export function instanceCgroupRoot(root: string, dataDir: string): string {
  return `${root.replace(/\/+$/, '')}/${instanceName(dataDir)}`;
}
