/**
 * The N-API addon (build/sshtrail_bpf.node, from bpf/addon/addon.c), typed. It loads and attaches
 * the BPF programs, watches their ring buffers on the event loop and hands over batches of raw
 * records (decoded by records.ts).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildDir } from '../core/paths.js';

/** Same order as enum program_id in bpf/events.h. */
export const programs = ['command', 'disk', 'network'] as const;
export type ProgramName = (typeof programs)[number];

declare const handleBrand: unique symbol;
export type NativeHandle = { readonly [handleBrand]: true };

export interface NativeAddon {
  /**
   * Loads and attaches the programs in `mask` (bit i = programs[i]). When a ring is readable, a
   * batch of its records is written into batchBuffer() and onBatch gets the batch's length.
   */
  open(mask: number, ringBytes: number, wakeupBytes: number, onBatch: (length: number) => void): NativeHandle;
  /** Where every batch is written: one area for the handle's life, valid until the next batch. */
  batchBuffer(h: NativeHandle): ArrayBuffer;
  /** Synchronously reads what the rings hold, up to about `limitBytes`, into batchBuffer(); 0 when empty. */
  consume(h: NativeHandle, limitBytes?: number): number;
  watch(h: NativeHandle, cgroupId: bigint): void;
  unwatch(h: NativeHandle, cgroupId: bigint): void;
  /** Attaches (on) or detaches the syscall exit programs (failed execs, opens): on while sessions exist. */
  syscalls(h: NativeHandle, on: boolean): void;
  /** Records lost (ring full) for one cgroup, per program; null when not watched. */
  sessionLost(h: NativeHandle, cgroupId: bigint): [number, number, number] | null;
  /** Records lost (ring full) in total, per program: the per-CPU kernel counters summed. */
  lost(h: NativeHandle): [number, number, number];
  /**
   * Sends the repeated opens the kernel counts (disk.bpf.h) into the disk ring, for one cgroup or
   * all (0n); `final` takes the entries out (session end), otherwise only idle ones go.
   */
  flushDisk(h: NativeHandle, cgroupId: bigint, final: boolean): void;
  close(h: NativeHandle): void;
}

export function addonPath(): string {
  return join(buildDir(), 'sshtrail_bpf.node');
}

/** Loads the addon, or returns why it cannot be loaded. */
export function loadAddon(): NativeAddon | string {
  const path = addonPath();
  if (!existsSync(path)) {
    return `the BPF programs are not built (${path} is missing; building needs clang, bpftool and /sys/kernel/btf/vmlinux)`;
  }
  try {
    return createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    return `cannot load ${path}: ${(err as Error).message}`;
  }
}

export function programMask(names: readonly ProgramName[]): number {
  let mask = 0;
  for (const n of names) mask |= 1 << programs.indexOf(n);
  return mask;
}
