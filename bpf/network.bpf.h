/*
 * network: every TCP connect (IPv4 and IPv6) from a monitored cgroup, with its outcome.
 * inet_sock_set_state to SYN_SENT runs in the connecting task (addresses, pid, comm); the
 * syscall's return comes from sys_exit of connect(2). A non-blocking connect returns
 * -EINPROGRESS, so its outcome is taken from the socket leaving SYN_SENT (ESTABLISHED, or CLOSE
 * with sk_err). Whichever side comes second emits the one event, decided by a compare-and-swap.
 */
#pragma once
#include "common.bpf.h"

#define AF_INET_VALUE 2
#define AF_INET6_VALUE 10
#define EINPROGRESS_VALUE 115
#define ECONNABORTED_VALUE 103

enum { PHASE_NEW = 0, PHASE_SYSCALL_WAITING = 1, PHASE_CONCLUDED = 2 };

struct pending_connect {
  struct network_event ev;
  __u64 phase; /* 64-bit: clang's BPF target only has 64-bit compare-and-swap before -mcpu=v3 */
  __s64 result;
};

/* Socket -> the connect in flight. LRU: a socket that never concludes cannot fill the map. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct pending_connect);
} pending SEC(".maps");

/* Thread inside connect(2) -> its socket. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, __u64);
} connecting SEC(".maps");

static __always_inline void read_endpoints(struct network_event *ev, const struct sock *sk) {
  ev->family = BPF_CORE_READ(sk, __sk_common.skc_family);
  /* inet_sport survives the CLOSE transition of a refused connect (skc_num is reset before the
   * tracepoint fires); before the port is chosen both are 0. */
  ev->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
  ev->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  if (ev->family == AF_INET6_VALUE) {
    BPF_CORE_READ_INTO(&ev->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
    BPF_CORE_READ_INTO(&ev->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
  } else {
    BPF_CORE_READ_INTO((__u32 *)ev->saddr, sk, __sk_common.skc_rcv_saddr);
    BPF_CORE_READ_INTO((__u32 *)ev->daddr, sk, __sk_common.skc_daddr);
  }
}

static __always_inline void send(struct pending_connect *pc, __u64 key) {
  struct cgroup_info *info = bpf_map_lookup_elem(&monitored_cgroups, &pc->ev.hdr.cgroup_id);
  emit(&network_events, &pc->ev, sizeof pc->ev, info, PROG_NETWORK);
  bpf_map_delete_elem(&pending, &key);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(network_state, const struct sock *sk, const int oldstate, const int newstate) {
  __u64 key = (__u64)sk;
  if (newstate == TCP_SYN_SENT) {
    __u64 cgid;
    struct cgroup_info *info = monitored(&cgid);
    if (!info) return 0;
    if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP) return 0;
    struct pending_connect pc = {};
    fill_hdr(&pc.ev.hdr, PROG_NETWORK, cgid);
    read_endpoints(&pc.ev, sk);
    pc.phase = PHASE_NEW;
    bpf_map_update_elem(&pending, &key, &pc, BPF_ANY);
    __u32 tid = pc.ev.hdr.tid;
    bpf_map_update_elem(&connecting, &tid, &key, BPF_ANY);
    return 0;
  }
  if (oldstate != TCP_SYN_SENT) return 0;
  /* Runs for every socket leaving SYN_SENT, usually in softirq: the pending map is the filter. */
  struct pending_connect *pc = bpf_map_lookup_elem(&pending, &key);
  if (!pc) return 0;
  read_endpoints(&pc->ev, sk); /* the source port is chosen after SYN_SENT: read it now */
  int err = BPF_CORE_READ(sk, sk_err);
  pc->result = newstate == TCP_ESTABLISHED ? 0 : -(err ? err : ECONNABORTED_VALUE);
  if (__sync_val_compare_and_swap(&pc->phase, PHASE_NEW, PHASE_CONCLUDED) == PHASE_SYSCALL_WAITING) {
    pc->ev.ret = pc->result;
    send(pc, key);
  }
  return 0;
}

/* From the sys_exit dispatcher, for connect. */
static __always_inline int network_connect_exit(long ret) {
  __u64 cgid;
  struct cgroup_info *info = monitored(&cgid);
  if (!info) return 0;
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u64 *skp = bpf_map_lookup_elem(&connecting, &tid);
  if (!skp) return 0; /* not a TCP connect that reached SYN_SENT */
  __u64 key = *skp;
  bpf_map_delete_elem(&connecting, &tid);
  struct pending_connect *pc = bpf_map_lookup_elem(&pending, &key);
  if (!pc) return 0;
  if (ret == -EINPROGRESS_VALUE) {
    /* The outcome comes later, unless the socket already left SYN_SENT. */
    if (__sync_val_compare_and_swap(&pc->phase, PHASE_NEW, PHASE_SYSCALL_WAITING) != PHASE_CONCLUDED)
      return 0;
    pc->ev.ret = pc->result;
  } else {
    if (pc->phase == PHASE_NEW) pc->ev.sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)key, inet_sport));
    pc->ev.ret = ret;
  }
  send(pc, key);
  return 0;
}
