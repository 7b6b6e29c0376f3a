/*
 * What every sshtrail BPF program shares: the monitored_cgroups filter, the per-CPU loss
 * counters, one ring per program, and the ring buffer wake-up policy.
 */
#ifndef SSHTRAIL_COMMON_BPF_H
#define SSHTRAIL_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "events.h"

/* Set by the loader before load (plain C types: the skeleton exposes them to user space). */
const volatile unsigned long long wakeup_bytes = 262144;

/* Session cgroup id -> per-session loss counters. Registered before the session's first process
 * joins the cgroup; a miss means "not ours" and the program returns at once. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);
  __type(value, struct cgroup_info);
} monitored_cgroups SEC(".maps");

/* Records a program could not put in its ring (ring full), per CPU and program (index: enum
 * program_id): the kernel-side truth that user space turns into audit.loss (ring_full). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, PROG_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} lost_events SEC(".maps");

/* One ring per program; sizes set by the loader (ring_buffer_bytes; a page when off). */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 * 1024 * 1024);
} command_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 * 1024 * 1024);
} disk_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 * 1024 * 1024);
} network_events SEC(".maps");

static __always_inline struct cgroup_info *monitored(__u64 *cgid) {
  *cgid = bpf_get_current_cgroup_id();
  return bpf_map_lookup_elem(&monitored_cgroups, cgid);
}

/* The caller's saved user registers (a BTF pointer the verifier lets us read directly): at a
 * syscall's exit they still hold its arguments, so one exit probe sees arguments and result. */
static __always_inline struct pt_regs *user_regs(void) {
  return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* Waking the reader per record dominates a busy ring's cost, and a forced wake-up is an irq_work
 * whose self-IPI is a VM exit in a guest: ~6 us per record when every record past the threshold
 * forced one (docs/design.md, "Kernel capture: wake-ups dominate a busy ring"). So records go in quietly, and only the one that takes the ring
 * across the threshold wakes the reader; epoll stays readable (level-triggered) until the reader
 * has drained, and user space also drains on a short timer, which covers a wake-up lost to a race
 * between CPUs. */
static __always_inline __u64 wake_flags(void *ring, __u64 size) {
  __u64 avail = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
  return avail < wakeup_bytes && avail + size + 8 >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* `opens`: what the lost record stood for (an aggregated disk record counts its repeats). */
static __always_inline void count_lost_n(struct cgroup_info *info, int prog, __u64 opens) {
  __u32 key = prog;
  __u64 *n = bpf_map_lookup_elem(&lost_events, &key);
  if (n) *n += opens;
  if (info && prog >= 0 && prog < PROG_COUNT) __sync_fetch_and_add(&info->lost[prog], opens);
}

static __always_inline void count_lost(struct cgroup_info *info, int prog) {
  count_lost_n(info, prog, 1);
}

/* Copies a variable-length record built in per-CPU scratch into the ring, counting a full ring. */
static __always_inline void emit(void *ring, void *rec, __u64 size, struct cgroup_info *info, int prog) {
  if (bpf_ringbuf_output(ring, rec, size, wake_flags(ring, size)) != 0) count_lost(info, prog);
}

static __always_inline void fill_hdr(struct event_hdr *h, __u32 kind, __u64 cgid) {
  __u64 id = bpf_get_current_pid_tgid();
  h->kind = kind;
  h->pid = id >> 32;
  h->tid = (__u32)id;
  h->_pad = 0;
  h->cgroup_id = cgid;
  /* The syscall's own time, not the reader's: events of different rings keep the order they
   * happened in. CLOCK_MONOTONIC, the clock the server's own event times advance by. */
  h->ktime = bpf_ktime_get_ns();
  bpf_get_current_comm(h->comm, sizeof h->comm);
}

/* x86-64 syscall numbers (which argument registers a handler reads). */
#define NR_open 2
#define NR_execve 59
#define NR_creat 85
#define NR_openat 257
#define NR_execveat 322
#define NR_openat2 437

#endif
