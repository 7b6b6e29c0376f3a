/*
 * command: every exec in a monitored cgroup. Success is seen in the new image
 * (sched_process_exec), where argv is the contiguous block mm->arg_start..arg_end; a failed
 * execve/execveat never reaches that point, so the syscalls' exit tracepoints (sshtrail.bpf.c) hand
 * it here, and argv is read pointer by pointer from the caller's memory.
 */
#pragma once
#include "common.bpf.h"
#include "path.bpf.h"

/* Worst case the verifier must allow for: path area (masked to twice its cap), the executable's
 * walked path (below WALK_CAP, masked to twice that) plus argv read at an offset it only knows to
 * be below their sum, with a size up to ARGV_CAP. */
#define COMMAND_SCRATCH_BYTES (sizeof(struct command_event) + 2 * EXEC_PATH_CAP + 2 * WALK_CAP + 2 * ARGV_CAP)

struct command_scratch_buf {
  char bytes[COMMAND_SCRATCH_BYTES];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct command_scratch_buf);
} command_scratch SEC(".maps");

static __always_inline struct command_event *start_event(__u64 cgid) {
  __u32 zero = 0;
  struct command_event *e = bpf_map_lookup_elem(&command_scratch, &zero);
  if (!e) return 0;
  fill_hdr(&e->hdr, PROG_COMMAND, cgid);
  __u64 ug = bpf_get_current_uid_gid();
  e->uid = (__u32)ug;
  e->gid = ug >> 32;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  e->ppid = BPF_CORE_READ(task, real_parent, tgid);
  e->args_truncated = 0;
  e->path_truncated = 0;
  e->exe_len = 0;
  e->exe_walk = 0;
  __builtin_memset(e->_pad, 0, sizeof e->_pad);
  return e;
}

/* Keeps the path's length as a value the verifier can bound when used as an offset. */
static __always_inline __u64 path_area(struct command_event *e, long n) {
  if (n < 0) n = 0;
  if (n >= EXEC_PATH_CAP) e->path_truncated = 1;
  e->path_len = n;
  return (__u64)n & (2 * EXEC_PATH_CAP - 1);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(command_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
  __u64 cgid;
  struct cgroup_info *info = monitored(&cgid);
  if (!info) return 0;
  struct command_event *e = start_event(cgid);
  if (!e) return 0;
  e->ret = 0;
  __u64 off = path_area(e, bpf_probe_read_kernel_str(e->data, EXEC_PATH_CAP, BPF_CORE_READ(bprm, filename)));

  /* The file that runs, as opened by the exec: a symlink is already its target, "." and ".."
   * are gone. For a script it is the interpreter (binfmt_script swaps bprm->file before this
   * tracepoint), as /proc/<pid>/exe shows. */
  __u64 wstart = 0, wlen = 0;
  __u8 walk = 0;
  struct file *file = bprm->file;
  char *walked = walk_path(p, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), &wstart, &wlen,
                           &walk);
  if (walked) {
    __u64 n = copy_walked(e->data + off, walked, wstart, wlen);
    e->exe_len = n;
    e->exe_walk = walk;
    off += n & (2 * WALK_CAP - 1);
  }

  unsigned long start = BPF_CORE_READ(p, mm, arg_start);
  unsigned long end = BPF_CORE_READ(p, mm, arg_end);
  __u64 len = end > start ? end - start : 0;
  if (len > ARGV_CAP) {
    len = ARGV_CAP;
    e->args_truncated = 1;
  }
  barrier_var(len);
  if (len > ARGV_CAP) return 0;
  if (bpf_probe_read_user(e->data + off, len, (void *)start) != 0) len = 0;
  e->args_len = len;
  emit(&command_events, e, sizeof(*e) + off + len, info, PROG_COMMAND);
  return 0;
}

/* From the exit tracepoints of execve/execveat: a failed exec (a successful one returns to the new
 * image, reported by command_exec). */
static __always_inline int command_exec_fail(long ret, long nr) {
  if (ret >= 0) return 0;
  __u64 cgid;
  struct cgroup_info *info = monitored(&cgid);
  if (!info) return 0;
  struct pt_regs *regs = user_regs();
  struct command_event *e = start_event(cgid);
  if (!e) return 0;
  e->ret = ret;
  const char *file = (const char *)(nr == NR_execve ? regs->di : regs->si);
  const char *const *argv = (const char *const *)(nr == NR_execve ? regs->si : regs->dx);
  __u64 off = path_area(e, bpf_probe_read_user_str(e->data, EXEC_PATH_CAP, file));

  __u64 used = 0;
  int i;
  for (i = 0; i < ARGV_FAIL_MAX; i++) {
    const char *arg = 0;
    if (bpf_probe_read_user(&arg, sizeof arg, &argv[i]) != 0 || !arg) break;
    if (used >= ARGV_CAP) {
      e->args_truncated = 1;
      break;
    }
    __u64 room = ARGV_CAP - used;
    barrier_var(room);
    if (room > ARGV_CAP) break;
    long n = bpf_probe_read_user_str(e->data + off + used, room, arg);
    if (n <= 0) break;
    if ((__u64)n >= room) e->args_truncated = 1;
    used += n;
    if (used > ARGV_CAP) used = ARGV_CAP;
  }
  if (i == ARGV_FAIL_MAX) {
    const char *more = 0;
    if (bpf_probe_read_user(&more, sizeof more, &argv[i]) == 0 && more) e->args_truncated = 1;
  }
  barrier_var(used);
  if (used > ARGV_CAP) return 0;
  e->args_len = used;
  emit(&command_events, e, sizeof(*e) + off + used, info, PROG_COMMAND);
  return 0;
}
