/*
 * disk: every open, openat, openat2 and creat in a monitored cgroup, seen once, at syscall exit.
 * The caller's saved registers still hold the syscall's arguments there: one probe per open
 * instead of an enter/exit pair and a per-thread map. Called from the syscalls' exit tracepoints
 * (sshtrail.bpf.c).
 */
#pragma once
#include "common.bpf.h"

#define AT_FDCWD_VALUE -100
#define CREAT_FLAGS 01101 /* O_CREAT | O_WRONLY | O_TRUNC */

struct disk_scratch_buf {
  char bytes[sizeof(struct disk_event) + 2 * DISK_PATH_CAP];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct disk_scratch_buf);
} disk_scratch SEC(".maps");

/* From the exit tracepoints of open/openat/openat2/creat (nr is a constant in each). */
static __always_inline int disk_open(long ret, long nr) {
  __u64 cgid;
  struct cgroup_info *info = monitored(&cgid);
  if (!info) return 0;
  struct pt_regs *regs = user_regs();
  __u32 zero = 0;
  struct disk_event *e = bpf_map_lookup_elem(&disk_scratch, &zero);
  if (!e) return 0;
  fill_hdr(&e->hdr, PROG_DISK, cgid);
  e->ret = ret;
  e->_pad = 0;
  const char *path;
  if (nr == NR_openat || nr == NR_openat2) {
    e->dfd = (int)regs->di;
    path = (const char *)regs->si;
    if (nr == NR_openat) {
      e->flags = (__u32)regs->dx;
    } else {
      __u64 how_flags = 0; /* struct open_how starts with its u64 flags */
      bpf_probe_read_user(&how_flags, sizeof how_flags, (void *)regs->dx);
      e->flags = (__u32)how_flags;
    }
  } else {
    e->dfd = AT_FDCWD_VALUE;
    path = (const char *)regs->di;
    e->flags = nr == NR_open ? (__u32)regs->si : CREAT_FLAGS;
  }
  long n = bpf_probe_read_user_str(e->data, DISK_PATH_CAP, path);
  if (n < 0) n = 0;
  e->path_truncated = n >= DISK_PATH_CAP;
  e->path_len = n;
  emit(&disk_events, e, sizeof(*e) + ((__u64)n & (2 * DISK_PATH_CAP - 1)), info, PROG_DISK);
  return 0;
}
