/**
 * Checks of what a server keeps for a session, from outside: `sshtrail validate` on its audit
 * file, its descriptors (/proc/<pid>/fd), its session cgroups, and an OpenSSH client that sends
 * an environment too big for a command line (SetEnv in a config file).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enhancedDefaults } from '../../bpf/config-schema.js';
import { instanceCgroupRoot } from '../../core/cgroup/instance.js';
import { findCgroup2Mount } from '../../core/cgroup/mount.js';
import { sshtrailBin, type TestServer } from './server.js';

/** `sshtrail validate` on the data dir's audit file: its exit code and output. */
export function validateAuditFile(dataDir: string): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [sshtrailBin, 'validate', join(dataDir, 'events', 'audit.ndjson')], {
    encoding: 'utf8',
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** What the process's descriptors point to. */
export function openFiles(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The server's own cgroup subtree (default cgroup root), or undefined without cgroup v2. */
export function instanceCgroupDir(dataDir: string): string | undefined {
  const mount = findCgroup2Mount();
  return mount ? join(mount, instanceCgroupRoot(enhancedDefaults.cgroup_root, dataDir)) : undefined;
}

/**
 * Runs `ssh` with `vars` sent by SetEnv from a config file (a command line could not hold
 * megabytes). Replaces the helper's own SetEnv (SHLVL=1 is kept, in the file).
 */
export function sshWithEnv(
  srv: TestServer,
  vars: Record<string, string>,
  command: string,
  opts: { tty?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = srv.sshArgs(opts.tty ? { tty: true } : {});
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-o' && args[i + 1]?.startsWith('SetEnv=')) i++;
    else kept.push(args[i] as string);
  }
  const cfg = join(srv.dir, `ssh_config_${Date.now()}_${Math.random().toString(36).slice(2)}`);
  const list = Object.entries({ SHLVL: '1', ...vars }).map(([k, v]) => `${k}=${v}`);
  writeFileSync(cfg, `SetEnv ${list.join(' ')}\n`);
  // The helper's arguments start with `-F /dev/null`: this file instead.
  kept.splice(0, 2, '-F', cfg);
  return new Promise((resolve) => {
    const c = spawn('ssh', [...kept, command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    c.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    c.stdin.end();
    const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
