/**
 * Shared by the enhanced-recording tests: a recording AuditEmitter (the pipeline's interface,
 * validating every event's fields against the shipped schemas), a private cgroup root per test
 * file, and commands run through the real launcher into a session's cgroup.
 */

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ValidateFunction } from 'ajv';
import type { EnhancedConfig } from '../../bpf/config-schema.js';
import {
  type EnhancedRecording,
  type EnhancedRecordingOptions,
  startEnhancedRecording,
} from '../../bpf/index.js';
import { addonPath } from '../../bpf/native.js';
import { findCgroup2Mount } from '../../core/cgroup/index.js';
import type {
  AuditEmitter,
  ConnectionContext,
  EventTime,
  SessionContext,
} from '../../core/events/emitter.js';
import type { EventType, FieldsOf } from '../../core/events/event.js';
import { currentEntry, shippedSchemas } from '../../core/events/schemas.js';
import { createAjv, fieldsSchema, formatErrors } from '../../core/events/validators.js';
import { silentLogger } from '../../core/log.js';
import { buildDir } from '../../core/paths.js';
import { isRoot } from '../helpers/privileged.js';

export const launcher = join(buildDir(), 'sshtrail-launch');
export const workload = join(buildDir(), 'sshtrail-bench-workload');

/** Root, BTF, and the built addon and launcher. */
export const bpfAvailable =
  isRoot && existsSync('/sys/kernel/btf/vmlinux') && existsSync(addonPath()) && existsSync(launcher);
export const bpfReason = 'needs root, kernel BTF, and `make -C bpf` + `make -C core/launch` built';

export interface Recorded {
  type: string;
  fields: Record<string, unknown>;
  context?: SessionContext | ConnectionContext;
  /** The time the producer gave (kernel events: their syscall's). */
  at?: EventTime;
}

/** A test double of the pipeline's producer interface that keeps and validates what it gets. */
export class RecordingEmitter implements AuditEmitter {
  readonly events: Recorded[] = [];
  readonly invalid: string[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  emit<T extends EventType>(
    type: T,
    typed: FieldsOf<T>,
    context?: SessionContext | ConnectionContext,
    at?: EventTime,
  ): void {
    // Kept as plain records: the tests look fields up by name.
    const fields = typed as unknown as Record<string, unknown>;
    this.events.push({ type, fields, ...(context ? { context } : {}), ...(at ? { at } : {}) });
    const validate = this.validator(type);
    if (!validate(fields)) this.invalid.push(`${type}: ${formatErrors(validate.errors).join('; ')}`);
  }

  of(type: string, sessionId?: string): Record<string, unknown>[] {
    return this.events
      .filter((e) => e.type === type && (sessionId === undefined || e.context?.session_id === sessionId))
      .map((e) => e.fields);
  }

  commands(sessionId?: string): { argv: string[]; fields: Record<string, unknown> }[] {
    return this.of('session.command', sessionId).map((f) => ({ argv: f.argv as string[], fields: f }));
  }

  private validator(type: string): ValidateFunction {
    let v = this.validators.get(type);
    if (!v) {
      const set = shippedSchemas();
      const entry = currentEntry(set, type);
      if (!entry) throw new Error(`no schema for ${type}`);
      v = createAjv(set, { formats: 'full', allErrors: true }).compile(fieldsSchema(set, entry));
      this.validators.set(type, v);
    }
    return v;
  }
}

let rootSeq = 0;
/** A cgroup root private to this test process, so parallel test files never touch each other's. */
export function testRoot(): string {
  return `sshtrail-test/${process.pid}-${rootSeq++}`;
}

export async function startRecording(
  emitter: AuditEmitter,
  config: EnhancedConfig = {},
  /** Engine options beyond the config (e.g. a short syscallsIdleMs). */
  options: Pick<EnhancedRecordingOptions, 'syscallsIdleMs'> = {},
): Promise<EnhancedRecording> {
  const rec = await startEnhancedRecording({
    config: { enabled: true, cgroup_root: testRoot(), ...config },
    emitter,
    logger: silentLogger,
    dataDir: '/tmp',
    ...options,
  });
  return rec;
}

/** Closes a recording and removes the shared test parent when no other test process uses it. */
export async function closeRecording(rec: EnhancedRecording | undefined): Promise<void> {
  await rec?.close();
  const mount = findCgroup2Mount();
  if (!mount) return;
  try {
    rmdirSync(join(mount, 'sshtrail-test'));
  } catch {
    // another test file's root is still in it
  }
}

let sessionSeq = 0;
export function session(label = 's'): SessionContext {
  return {
    session_id: `${label}-${process.pid}-${sessionSeq++}`,
    login: 'root',
    client_addr: '127.0.0.1',
    client_port: 40000 + sessionSeq,
  };
}

/** A clean PATH: root's PATH here holds pyenv/cargo shims, each a failed execvp attempt. */
export const cleanEnv = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/root', LANG: 'C' };

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `argv` through the launcher in `cgroupDir` (or outside any session when undefined). */
export function run(cgroupDir: string | undefined, argv: string[], timeoutMs = 30_000): Promise<RunResult> {
  const args = cgroupDir ? ['--cgroup', cgroupDir, '--', ...argv] : ['--', ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, args, { env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${argv.join(' ')}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const sh = (cgroupDir: string | undefined, script: string) => run(cgroupDir, ['bash', '-c', script]);

/** Waits (bounded) until `pred` holds; events arrive on the event loop, not synchronously. */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Whether `pid` is a live process (a zombie is not). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export function hasArgv(list: { argv: string[] }[], argv: string[]): boolean {
  return list.some((c) => JSON.stringify(c.argv) === JSON.stringify(argv));
}
