/*
 * The one BPF object: the command, disk and network programs (command.bpf.h, disk.bpf.h,
 * network.bpf.h) and the single program on the raw sys_exit tracepoint. That tracepoint runs for
 * every system call of every process on the host, so it is attached once, not once per event
 * kind: it dispatches on the syscall number (a register compare) before anything else, and the
 * kinds that are off are pruned by the verifier (want_* are read-only, set before load).
 */
#include "common.bpf.h"
#include "command.bpf.h"
#include "disk.bpf.h"
#include "network.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_dispatch, struct pt_regs *regs, long ret) {
  long nr = regs->orig_ax;
  switch (nr) {
  case NR_execve:
  case NR_execveat:
    if (want_command) return command_exec_fail(regs, nr, ret);
    return 0;
  case NR_open:
  case NR_openat:
  case NR_openat2:
  case NR_creat:
    if (want_disk) return disk_open(regs, nr, ret);
    return 0;
  case NR_connect:
    if (want_network) return network_connect_exit(ret);
    return 0;
  default:
    return 0;
  }
}
