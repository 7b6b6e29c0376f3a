/*
 * Loading, attaching and detaching the BPF programs, and reading their rings into the batch: the
 * addon's libbpf side, as libbpf-bootstrap's loaders do it, without N-API (addon.c is the glue).
 */
#ifndef SSHTRAIL_LOADER_H
#define SSHTRAIL_LOADER_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <linux/types.h>

#include "batch.h"
#include "events.h"

struct state;
struct detach_work;

/* One per program: its ring buffer and the uv_poll watching it. */
struct slot {
  struct state *st;
  struct ring_buffer *rb;
  uv_poll_t poll;
  int polling;
};

struct state {
  napi_env env;
  uv_loop_t *loop;
  struct detach_work *pending_detach;
  int works; /* detach works in flight: the state lives until they are done */
  napi_ref callback;
  napi_ref batch_ref; /* the ArrayBuffer holding batch.buf (owned by V8) */
  napi_async_context async;
  struct sshtrail_bpf *skel;
  struct bpf_link *links[16];
  int nlinks;
  /* The syscall exit programs: attached only while sessions exist (syscalls(handle, on)). */
  struct bpf_program *sys_progs[8];
  struct bpf_link *sys_links[8];
  int nsys;
  int sys_attached;
  struct slot slots[PROG_COUNT];
  int monitored_fd;
  int lost_fd;
  int flush_fd; /* disk_flush (disk events on), else -1 */
  int open_polls; /* uv handles still closing; the state is freed when this reaches 0 */
  int closed;
  int finalized; /* the JS handle was garbage-collected: free once the uv handles are closed */
  int consuming;
  unsigned rotate;
  struct batch batch;
};

/* Opens and loads the object with the programs of `mask` (bit i: enum program_id i), attaches
 * those that stay attached, and opens the enabled rings. 0 or a negative errno; on failure the
 * caller tears down what was done. */
int load_all(struct state *st, unsigned mask, __u32 ring_bytes, unsigned long long wakeup);

/* The syscall exit programs: attached while sessions exist, detached off the event loop. */
int attach_syscalls(struct state *st);
void detach_syscalls_async(struct state *st);

/* Reads what the rings hold into st->batch, up to `limit` bytes. */
void consume_into_batch(struct state *st, size_t limit);

/* Detaches everything. The uv handles close asynchronously; the state goes with the last one. */
void teardown(struct state *st);

/* Frees the state once the JS handle is gone and nothing asynchronous refers to it. */
void maybe_free(struct state *st);

#endif
