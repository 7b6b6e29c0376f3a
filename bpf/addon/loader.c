/* The addon's libbpf side: see loader.h. */
#include "loader.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sshtrail.skel.h"

static int on_sample(void *ctx, void *data, size_t size) {
  struct state *st = ctx;
  /* A negative return stops libbpf after this record (already consumed): yield to the loop. */
  return batch_append(&st->batch, data, size);
}

/* Each ring in turn, so that none starves. */
void consume_into_batch(struct state *st, size_t limit) {
  st->batch.len = 0;
  st->batch.limit = limit;
  st->consuming = 1;
  for (int i = 0; i < PROG_COUNT && st->batch.len < limit; i++) {
    struct slot *s = &st->slots[(st->rotate + i) % PROG_COUNT];
    if (s->rb) ring_buffer__consume(s->rb);
  }
  st->rotate++;
  st->consuming = 0;
}

static void detach_syscalls(struct state *st) {
  for (int i = 0; i < st->nsys; i++) {
    if (st->sys_links[i]) bpf_link__destroy(st->sys_links[i]);
    st->sys_links[i] = NULL;
  }
  st->sys_attached = 0;
}

/* Detaching a syscall tracepoint waits for an RCU grace period (~300 ms on the development VM:
 * docs/design.md, "Kernel capture: per-syscall exit tracepoints"): done on
 * a libuv worker thread so that the event loop does not stall when the last session ends. The
 * kernel refuses a second attach of a program to a tracepoint it is still attached to, so an
 * attach while a detach is pending takes the links back (when the work has not started) or waits
 * for the detach to finish (rare: a session starting within that window). */
struct detach_work {
  uv_work_t req;
  struct state *st;
  struct bpf_link *links[8];
  int n;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
};

static void detach_work_run(uv_work_t *req) {
  struct detach_work *w = req->data;
  for (int i = 0; i < w->n; i++) bpf_link__destroy(w->links[i]);
  pthread_mutex_lock(&w->mu);
  w->done = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static void detach_work_done(uv_work_t *req, int status) {
  (void)status; /* UV_ECANCELED: attach_syscalls took the links back */
  struct detach_work *w = req->data;
  struct state *st = w->st;
  if (st->pending_detach == w) st->pending_detach = NULL;
  st->works--;
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w);
  maybe_free(st);
}

void detach_syscalls_async(struct state *st) {
  if (!st->sys_attached) return;
  struct detach_work *w = st->loop ? calloc(1, sizeof *w) : NULL;
  if (!w) {
    detach_syscalls(st);
    return;
  }
  w->st = st;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  for (int i = 0; i < st->nsys; i++) {
    w->links[w->n++] = st->sys_links[i];
    st->sys_links[i] = NULL;
  }
  st->sys_attached = 0;
  w->req.data = w;
  if (uv_queue_work(st->loop, &w->req, detach_work_run, detach_work_done) != 0) {
    for (int i = 0; i < w->n; i++) bpf_link__destroy(w->links[i]);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return;
  }
  st->works++;
  st->pending_detach = w;
}

/* Before attaching: a detach still pending is either undone or waited for. */
static int reclaim_pending_detach(struct state *st) {
  struct detach_work *w = st->pending_detach;
  if (!w) return 0;
  st->pending_detach = NULL;
  if (uv_cancel((uv_req_t *)&w->req) == 0) {
    for (int i = 0; i < w->n; i++) st->sys_links[i] = w->links[i];
    w->n = 0;
    st->sys_attached = 1;
    return 1;
  }
  pthread_mutex_lock(&w->mu);
  while (!w->done) pthread_cond_wait(&w->cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
  return 0;
}

int attach_syscalls(struct state *st) {
  if (st->sys_attached || reclaim_pending_detach(st)) return 0;
  for (int i = 0; i < st->nsys; i++) {
    st->sys_links[i] = bpf_program__attach(st->sys_progs[i]);
    if (!st->sys_links[i]) {
      int err = -errno;
      detach_syscalls(st);
      return err;
    }
  }
  st->sys_attached = 1;
  return 0;
}

int load_all(struct state *st, unsigned mask, __u32 ring_bytes, unsigned long long wakeup) {
  struct sshtrail_bpf *sk = sshtrail_bpf__open();
  if (!sk) return -errno;
  st->skel = sk;
  int want[PROG_COUNT];
  for (int i = 0; i < PROG_COUNT; i++) want[i] = (mask >> i) & 1;
  sk->rodata->wakeup_bytes = wakeup;
  /* A ring that is off still exists (one object), at its smallest size: one page. */
  struct bpf_map *rings[PROG_COUNT] = {sk->maps.command_events, sk->maps.disk_events, sk->maps.network_events};
  int err = 0;
  for (int i = 0; i < PROG_COUNT && !err; i++)
    err = bpf_map__set_max_entries(rings[i], want[i] ? ring_bytes : 4096);
  /* Only the programs of the enabled kinds are loaded: a syscall tracepoint that is attached at
   * all puts every task of the host on the kernel's syscall slow path. For the same reason the
   * syscall exit programs are attached only while sessions exist (js_syscalls in addon.c). */
  struct {
    struct bpf_program *prog;
    int kind;
    int syscall;
  } progs[] = {
      {sk->progs.command_exec, PROG_COMMAND, 0},         {sk->progs.command_execve_exit, PROG_COMMAND, 1},
      {sk->progs.command_execveat_exit, PROG_COMMAND, 1}, {sk->progs.disk_open_exit, PROG_DISK, 1},
      {sk->progs.disk_openat_exit, PROG_DISK, 1},        {sk->progs.disk_openat2_exit, PROG_DISK, 1},
      {sk->progs.disk_creat_exit, PROG_DISK, 1},         {sk->progs.network_state, PROG_NETWORK, 0},
      {sk->progs.disk_exit, PROG_DISK, 0},               {sk->progs.disk_flush, PROG_DISK, 2},
  };
  const size_t nprogs = sizeof progs / sizeof progs[0];
  for (size_t i = 0; i < nprogs && !err; i++) err = bpf_program__set_autoload(progs[i].prog, want[progs[i].kind]);
  if (!err) err = sshtrail_bpf__load(sk);
  if (err) return err < 0 ? err : -err;
  for (size_t i = 0; i < nprogs; i++) {
    if (!want[progs[i].kind]) continue;
    if (progs[i].syscall == 2) continue; /* run by user space (js_flush_disk), never attached */
    if (progs[i].syscall) {
      st->sys_progs[st->nsys++] = progs[i].prog;
      continue;
    }
    struct bpf_link *link = bpf_program__attach(progs[i].prog);
    if (!link) return -errno;
    st->links[st->nlinks++] = link;
  }
  /* Attached once here so that a host that cannot attach them fails at start-up, not later. */
  err = attach_syscalls(st);
  if (err) return err;
  detach_syscalls(st);
  st->flush_fd = want[PROG_DISK] ? bpf_program__fd(sk->progs.disk_flush) : -1;
  st->monitored_fd = bpf_map__fd(sk->maps.monitored_cgroups);
  st->lost_fd = bpf_map__fd(sk->maps.lost_events);
  for (int i = 0; i < PROG_COUNT; i++) {
    if (!want[i]) continue;
    st->slots[i].rb = ring_buffer__new(bpf_map__fd(rings[i]), on_sample, st, NULL);
    if (!st->slots[i].rb) return -errno;
  }
  return 0;
}

void maybe_free(struct state *st) {
  if (st->finalized && st->open_polls == 0 && st->works == 0) free(st);
}

static void on_poll_closed(uv_handle_t *h) {
  struct state *st = ((struct slot *)h->data)->st;
  st->open_polls--;
  maybe_free(st);
}

void teardown(struct state *st) {
  for (int i = 0; i < PROG_COUNT; i++) {
    struct slot *s = &st->slots[i];
    if (s->polling) {
      uv_poll_stop(&s->poll);
      uv_close((uv_handle_t *)&s->poll, on_poll_closed);
      s->polling = 0;
    }
    if (s->rb) ring_buffer__free(s->rb);
    s->rb = NULL;
  }
  for (int i = 0; i < st->nlinks; i++) bpf_link__destroy(st->links[i]);
  st->nlinks = 0;
  detach_syscalls(st);
  if (st->skel) sshtrail_bpf__destroy(st->skel);
  st->skel = NULL;
  st->monitored_fd = -1;
  st->lost_fd = -1;
  st->flush_fd = -1;
}
