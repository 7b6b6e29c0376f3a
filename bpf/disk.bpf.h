/*
 * disk: every open, openat, openat2 and creat in a monitored cgroup, seen once, at syscall exit.
 * The caller's saved registers still hold the syscall's arguments there: one probe per open
 * instead of an enter/exit pair and a per-thread map. Called from the syscalls' exit tracepoints
 * (sshtrail.bpf.c).
 * A relative path also carries the directory it was resolved from, as it was at the syscall: the
 * task's cwd (or the openat dirfd's file) walked to the root (path.bpf.h). Absolute paths, most
 * opens, pay nothing for it.
 */
#pragma once
#include "common.bpf.h"
#include "path.bpf.h"

#define AT_FDCWD_VALUE -100
#define CREAT_FLAGS 01101 /* O_CREAT | O_WRONLY | O_TRUNC */

struct disk_scratch_buf {
  char bytes[sizeof(struct disk_event) + 2 * DISK_PATH_CAP + 2 * WALK_CAP];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct disk_scratch_buf);
} disk_scratch SEC(".maps");

/* The directory a relative path starts from: the cwd, or the dirfd's open file. Written after the
 * path at `off`; returns its length (0 when it cannot be found). */
static __always_inline __u64 relative_base(struct disk_event *e, __u64 off) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct dentry *dentry;
  struct vfsmount *mnt;
  if (e->dfd == AT_FDCWD_VALUE) {
    dentry = BPF_CORE_READ(task, fs, pwd.dentry);
    mnt = BPF_CORE_READ(task, fs, pwd.mnt);
  } else {
    struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
    unsigned int max = BPF_CORE_READ(fdt, max_fds);
    if (e->dfd < 0 || (unsigned int)e->dfd >= max) return 0;
    struct file **fds = BPF_CORE_READ(fdt, fd);
    struct file *f = 0;
    if (bpf_probe_read_kernel(&f, sizeof f, &fds[e->dfd]) != 0 || !f) return 0;
    dentry = BPF_CORE_READ(f, f_path.dentry);
    mnt = BPF_CORE_READ(f, f_path.mnt);
  }
  __u64 start = 0, len = 0;
  __u8 walk = 0;
  char *walked = walk_path(task, dentry, mnt, &start, &len, &walk);
  if (!walked || off >= 2 * DISK_PATH_CAP) return 0;
  __u64 copied = copy_walked(e->data + off, walked, start, len);
  e->dir_len = copied;
  e->dir_walk = walk;
  return copied & (2 * WALK_CAP - 1);
}

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
  e->dir_len = 0;
  e->dir_walk = 0;
  __builtin_memset(e->_pad, 0, sizeof e->_pad);
  __u64 off = (__u64)n & (2 * DISK_PATH_CAP - 1);
  if (n > 1 && e->data[0] != '/') off += relative_base(e, off);
  emit(&disk_events, e, sizeof(*e) + off, info, PROG_DISK);
  return 0;
}
