/*
 * The one BPF object: the command, disk and network programs (command.bpf.h, disk.bpf.h,
 * network.bpf.h). Syscall results come from the per-syscall exit tracepoints
 * (syscalls:sys_exit_openat, ...), not from the raw sys_exit one: the raw tracepoint runs a BPF
 * program for every system call of every process on the host (close(), read(), ...), while a
 * per-syscall tracepoint costs the other syscalls only the kernel's bitmap test (the figures:
 * docs/design.md, "Kernel capture: per-syscall exit tracepoints").
 * The loader turns on only the programs of the enabled event kinds (bpf_program__set_autoload).
 */
#include "common.bpf.h"
#include "command.bpf.h"
#include "disk.bpf.h"
#include "network.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp/syscalls/sys_exit_execve")
int command_execve_exit(struct trace_event_raw_sys_exit *ctx) {
  return command_exec_fail(ctx->ret, NR_execve);
}

SEC("tp/syscalls/sys_exit_execveat")
int command_execveat_exit(struct trace_event_raw_sys_exit *ctx) {
  return command_exec_fail(ctx->ret, NR_execveat);
}

SEC("tp/syscalls/sys_exit_open")
int disk_open_exit(struct trace_event_raw_sys_exit *ctx) {
  return disk_open(ctx->ret, NR_open);
}

SEC("tp/syscalls/sys_exit_openat")
int disk_openat_exit(struct trace_event_raw_sys_exit *ctx) {
  return disk_open(ctx->ret, NR_openat);
}

SEC("tp/syscalls/sys_exit_openat2")
int disk_openat2_exit(struct trace_event_raw_sys_exit *ctx) {
  return disk_open(ctx->ret, NR_openat2);
}

SEC("tp/syscalls/sys_exit_creat")
int disk_creat_exit(struct trace_event_raw_sys_exit *ctx) {
  return disk_open(ctx->ret, NR_creat);
}

/* A thread that exits sends what disk_agg still counts for it (it can open nothing more: no
 * writer races the flush). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(disk_exit, struct task_struct *p) {
  __u64 cgid;
  if (!monitored(&cgid)) return 0;
  struct agg_flush_ctx c = {.cgroup_id = 0, .tid = (__u32)bpf_get_current_pid_tgid(), .final = 1};
  bpf_for_each_map_elem(&disk_agg, agg_flush_one, &c, 0);
  return 0;
}

/* Run by user space (BPF_PROG_RUN, bpf/addon): about every second, the counts of all entries (idle
 * ones retired), and at session end everything of the session's cgroup. */
SEC("syscall")
int disk_flush(struct agg_flush_ctx *args) {
  struct agg_flush_ctx c = {.cgroup_id = args->cgroup_id, .tid = 0, .final = args->final};
  bpf_for_each_map_elem(&disk_agg, agg_flush_one, &c, 0);
  return 0;
}
