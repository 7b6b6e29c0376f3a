/*
 * network: every TCP connect (IPv4 and IPv6) from a monitored cgroup, with its outcome, from one
 * tracepoint: inet_sock_set_state. Entering SYN_SENT runs in the connecting task (pid, comm,
 * cgroup, addresses); leaving SYN_SENT is the connect's outcome: ESTABLISHED (0), or CLOSE with
 * sk_err (-ECONNREFUSED, -ETIMEDOUT, ...). That is what connect(2) returns for a blocking connect,
 * and what a non-blocking one (-EINPROGRESS) learns later, so no syscall tracepoint is needed:
 * none runs for the connect, close, read... of the processes outside the sessions.
 */
#pragma once
#include "common.bpf.h"

#define AF_INET6_VALUE 10
#define ECONNABORTED_VALUE 103

/* Socket -> its connect in flight (the event, completed when the socket leaves SYN_SENT). LRU: a
 * socket whose conclusion was missed (a nested run skipped by the kernel's recursion guard) cannot
 * fill the map for good. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct network_event);
} pending SEC(".maps");

/* The tracepoint's sk is a BTF pointer: its fields are read with plain loads (the JIT handles a
 * fault) instead of a bpf_probe_read_kernel call per field. inet_sport lives in the enclosing
 * inet_sock, outside what the verifier knows of struct sock: that one is a probe read. */
static __always_inline void read_endpoints(struct network_event *ev, const struct sock *sk) {
  ev->family = sk->__sk_common.skc_family;
  /* inet_sport survives the CLOSE transition of a refused connect (skc_num is reset before the
   * tracepoint fires); before the port is chosen both are 0. */
  ev->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
  ev->dport = bpf_ntohs(sk->__sk_common.skc_dport);
  if (ev->family == AF_INET6_VALUE) {
    __builtin_memcpy(ev->saddr, sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
    __builtin_memcpy(ev->daddr, sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8, 16);
  } else {
    *(__u32 *)ev->saddr = sk->__sk_common.skc_rcv_saddr;
    *(__u32 *)ev->daddr = sk->__sk_common.skc_daddr;
  }
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(network_state, const struct sock *sk, const int oldstate, const int newstate) {
  __u64 key = (__u64)sk;
  if (newstate == TCP_SYN_SENT) {
    __u64 cgid;
    struct cgroup_info *info = monitored(&cgid);
    if (!info) return 0;
    if (sk->sk_protocol != IPPROTO_TCP) return 0;
    struct network_event ev = {};
    fill_hdr(&ev.hdr, PROG_NETWORK, cgid);
    read_endpoints(&ev, sk);
    bpf_map_update_elem(&pending, &key, &ev, BPF_ANY);
    return 0;
  }
  if (oldstate != TCP_SYN_SENT) return 0;
  /* Runs for every socket leaving SYN_SENT, usually in softirq (no session context): the pending
   * map is the filter. */
  struct network_event *ev = bpf_map_lookup_elem(&pending, &key);
  if (!ev) return 0;
  read_endpoints(ev, sk); /* the source port is chosen after SYN_SENT: read it now */
  int err = sk->sk_err;
  ev->ret = newstate == TCP_ESTABLISHED ? 0 : -(err ? err : ECONNABORTED_VALUE);
  struct cgroup_info *info = bpf_map_lookup_elem(&monitored_cgroups, &ev->hdr.cgroup_id);
  emit(&network_events, ev, sizeof *ev, info, PROG_NETWORK);
  bpf_map_delete_elem(&pending, &key);
  return 0;
}
