/*
 * sshtrail_bpf.node: the small N-API addon between libbpf and bpf/native.ts.
 *
 * It loads the BPF object (sshtrail.bpf.c, embedded as a skeleton) with only the enabled programs,
 * attaches them, and watches each program's ring buffer through libbpf's epoll fd with a uv_poll
 * on Node's own event loop: no threads, no polling loop. Records are copied out of the ring
 * (libbpf maps its data pages read-only) into one batch area, [u32 size][record][pad to 8]...,
 * that JS sees as one ArrayBuffer for the handle's lifetime (batchBuffer()): one copy per record,
 * no allocation per batch; JS gets the batch's length and decodes it before the next is read.
 * A batch stops at a byte limit so that a flooded ring cannot starve the event loop; the rest is
 * read on the next turn (the epoll fd stays readable) or by the JS drain timer.
 *
 * This file is the N-API glue (the functions bpf/native.ts calls, errors, the batch callback);
 * loader.c loads, attaches and detaches the programs and reads the rings; batch.c frames the
 * records into the batch area.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"

/* ---- errors ---------------------------------------------------------------------------- */

static char libbpf_msg[512];

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[512];
  vsnprintf(line, sizeof line, fmt, args);
  size_t n = strlen(line);
  while (n && line[n - 1] == '\n') line[--n] = '\0';
  if (n) snprintf(libbpf_msg, sizeof libbpf_msg, "%s", line);
  return 0;
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[1024];
  snprintf(msg, sizeof msg, "%s: %s%s%s", what, strerror(err < 0 ? -err : err),
           libbpf_msg[0] ? " (libbpf: " : "", libbpf_msg[0] ? libbpf_msg : "");
  if (libbpf_msg[0]) strcat(msg, ")");
  napi_throw_error(env, "SSHTRAIL_E_ENHANCED_UNAVAILABLE", msg);
  return NULL;
}

#define NAPI_OK(call)                                                                           \
  do {                                                                                          \
    if ((call) != napi_ok) {                                                                    \
      napi_throw_error(env, NULL, "sshtrail_bpf: " #call " failed");                            \
      return NULL;                                                                              \
    }                                                                                           \
  } while (0)

/* ---- batches ----------------------------------------------------------------------------- */

static napi_value batch_length(napi_env env, struct state *st) {
  napi_value out;
  NAPI_OK(napi_create_uint32(env, (uint32_t)st->batch.len, &out));
  return out;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  struct slot *slot = handle->data;
  struct state *st = slot->st;
  if (st->closed || st->consuming) return;
  consume_into_batch(st, DEFAULT_BATCH_LIMIT);
  if (st->batch.len == 0) return;
  napi_env env = st->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, buf, result;
  if (napi_get_reference_value(env, st->callback, &cb) == napi_ok && cb &&
      napi_get_global(env, &recv) == napi_ok && (buf = batch_length(env, st)) != NULL) {
    /* JS decodes the batch in place: a consume() from inside the callback must not overwrite it. */
    st->consuming = 1;
    napi_status called = napi_make_callback(env, st->async, recv, cb, 1, &buf, &result);
    st->consuming = 0;
    if (called != napi_ok) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* ---- handles ------------------------------------------------------------------------------ */

static struct state *get_state(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_value this_arg;
  if (napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "sshtrail_bpf: missing arguments");
    return NULL;
  }
  struct state *st = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&st) != napi_ok || !st || st->closed) {
    napi_throw_error(env, NULL, "sshtrail_bpf: closed or invalid handle");
    return NULL;
  }
  return st;
}

static void close_state(napi_env env, struct state *st) {
  st->closed = 1;
  teardown(st);
  napi_delete_reference(env, st->callback);
  if (st->batch_ref) napi_delete_reference(env, st->batch_ref);
  st->batch_ref = NULL;
  st->batch.buf = NULL;
  napi_async_destroy(env, st->async);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  struct state *st = data;
  if (!st->closed) close_state(env, st);
  st->finalized = 1;
  maybe_free(st);
}

/* open(programMask, ringBytes, wakeupBytes, onBatch) -> handle */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "open(programMask, ringBytes, wakeupBytes, onBatch)");
    return NULL;
  }
  uint32_t mask, ring_bytes;
  double wake;
  NAPI_OK(napi_get_value_uint32(env, argv[0], &mask));
  NAPI_OK(napi_get_value_uint32(env, argv[1], &ring_bytes));
  NAPI_OK(napi_get_value_double(env, argv[2], &wake));

  libbpf_set_print(on_libbpf_print);
  libbpf_msg[0] = '\0';
  struct state *st = calloc(1, sizeof *st);
  if (!st) return throw_errno(env, "out of memory", ENOMEM);
  st->env = env;
  st->batch.mono_to_wall = mono_to_wall_offset();
  st->monitored_fd = -1;
  st->lost_fd = -1;
  st->flush_fd = -1;
  /* The verifier gives up with EAGAIN when a signal is pending (e.g. SIGPROF from --cpu-prof, or
   * SIGCHLD): hold signals back while loading, they are delivered right after. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int err = load_all(st, mask, ring_bytes, (unsigned long long)wake);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err) {
    teardown(st);
    free(st);
    return throw_errno(env, "cannot load and attach the BPF programs", err);
  }

  uv_loop_t *loop;
  napi_value name;
  NAPI_OK(napi_get_uv_event_loop(env, &loop));
  st->loop = loop;
  NAPI_OK(napi_create_reference(env, argv[3], 1, &st->callback));
  napi_value ab;
  NAPI_OK(napi_create_arraybuffer(env, BATCH_CAP, (void **)&st->batch.buf, &ab));
  NAPI_OK(napi_create_reference(env, ab, 1, &st->batch_ref));
  NAPI_OK(napi_create_string_utf8(env, "sshtrail_bpf", NAPI_AUTO_LENGTH, &name));
  NAPI_OK(napi_async_init(env, NULL, name, &st->async));
  for (int i = 0; i < PROG_COUNT; i++) {
    struct slot *s = &st->slots[i];
    s->st = st;
    if (!s->rb) continue;
    s->poll.data = s;
    if (uv_poll_init(loop, &s->poll, ring_buffer__epoll_fd(s->rb)) != 0) continue;
    st->open_polls++;
    s->polling = 1;
    uv_poll_start(&s->poll, UV_READABLE, on_readable);
  }
  napi_value handle;
  NAPI_OK(napi_create_external(env, st, on_finalize, NULL, &handle));
  return handle;
}

/* consume(handle[, limitBytes]) -> bytes now in the batch buffer (0: empty): synchronous drain
 * (finish(), timer). */
static napi_value js_consume(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct state *st = get_state(env, info, 1, argv);
  if (!st) return NULL;
  double limit = DEFAULT_BATCH_LIMIT;
  if (argc > 1) napi_get_value_double(env, argv[1], &limit);
  if (st->consuming) { /* re-entered from inside a batch callback: nothing to add */
    napi_value zero;
    NAPI_OK(napi_create_uint32(env, 0, &zero));
    return zero;
  }
  consume_into_batch(st, limit > 0 && limit < DEFAULT_BATCH_LIMIT ? (size_t)limit : DEFAULT_BATCH_LIMIT);
  return batch_length(env, st);
}

/* batchBuffer(handle) -> ArrayBuffer: where every batch is written (valid until the next one). */
static napi_value js_batch_buffer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct state *st = get_state(env, info, 1, argv);
  if (!st) return NULL;
  napi_value ab;
  NAPI_OK(napi_get_reference_value(env, st->batch_ref, &ab));
  return ab;
}

static int cgroup_arg(napi_env env, napi_value v, __u64 *id) {
  bool lossless;
  uint64_t x;
  if (napi_get_value_bigint_uint64(env, v, &x, &lossless) != napi_ok || !lossless) {
    napi_throw_type_error(env, NULL, "cgroup id must be a bigint");
    return -1;
  }
  *id = x;
  return 0;
}

/* watch(handle, cgroupId: bigint): from now on, events of that cgroup are captured. */
static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct state *st = get_state(env, info, 2, argv);
  __u64 id;
  if (!st || cgroup_arg(env, argv[1], &id)) return NULL;
  struct cgroup_info zero = {0};
  if (bpf_map_update_elem(st->monitored_fd, &id, &zero, BPF_NOEXIST) != 0 && errno != EEXIST)
    return throw_errno(env, "cannot register the session cgroup", errno);
  return NULL;
}

/* syscalls(handle, on): attach (on) or detach the syscall exit programs. Attached while sessions
 * exist, so that a server without sessions leaves the host's syscalls alone. */
static napi_value js_syscalls(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct state *st = get_state(env, info, 2, argv);
  bool on;
  if (!st || napi_get_value_bool(env, argv[1], &on) != napi_ok) return NULL;
  if (!on) {
    detach_syscalls_async(st);
    return NULL;
  }
  libbpf_msg[0] = '\0';
  int err = attach_syscalls(st);
  if (err) return throw_errno(env, "cannot attach the syscall tracepoints", err);
  return NULL;
}

/* unwatch(handle, cgroupId) */
static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct state *st = get_state(env, info, 2, argv);
  __u64 id;
  if (!st || cgroup_arg(env, argv[1], &id)) return NULL;
  bpf_map_delete_elem(st->monitored_fd, &id);
  return NULL;
}

static napi_value numbers(napi_env env, const __u64 *v, int n) {
  napi_value arr, x;
  NAPI_OK(napi_create_array_with_length(env, n, &arr));
  for (int i = 0; i < n; i++) {
    NAPI_OK(napi_create_double(env, (double)v[i], &x));
    NAPI_OK(napi_set_element(env, arr, i, x));
  }
  return arr;
}

/* sessionLost(handle, cgroupId) -> [command, disk, network] records lost for that cgroup, or null */
static napi_value js_session_lost(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct state *st = get_state(env, info, 2, argv);
  __u64 id;
  if (!st || cgroup_arg(env, argv[1], &id)) return NULL;
  struct cgroup_info ci;
  if (bpf_map_lookup_elem(st->monitored_fd, &id, &ci) != 0) {
    napi_value nul;
    NAPI_OK(napi_get_null(env, &nul));
    return nul;
  }
  return numbers(env, ci.lost, PROG_COUNT);
}

/* lost(handle) -> [command, disk, network]: the per-CPU kernel counters, summed. */
static napi_value js_lost(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct state *st = get_state(env, info, 1, argv);
  if (!st) return NULL;
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return throw_errno(env, "cannot count CPUs", -ncpu);
  __u64 *per_cpu = calloc(ncpu, sizeof *per_cpu);
  __u64 total[PROG_COUNT] = {0};
  if (!per_cpu) return throw_errno(env, "out of memory", ENOMEM);
  for (__u32 p = 0; p < PROG_COUNT; p++) {
    if (bpf_map_lookup_elem(st->lost_fd, &p, per_cpu) != 0) continue;
    for (int c = 0; c < ncpu; c++) total[p] += per_cpu[c];
  }
  free(per_cpu);
  return numbers(env, total, PROG_COUNT);
}

/* Mirrors struct agg_flush_ctx in disk.bpf.h. */
struct agg_flush_args {
  __u64 cgroup_id;
  __u32 tid;
  __u32 final;
};

/* flushDisk(handle, cgroupId: bigint, final: bool): the repeated opens disk_agg counts go into the
 * disk ring as records (read by the next consume); 0n: every cgroup. `final` takes the entries
 * out (session end), otherwise only the idle ones are. No-op without disk events. */
static napi_value js_flush_disk(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  struct state *st = get_state(env, info, 3, argv);
  __u64 id;
  bool final;
  if (!st || cgroup_arg(env, argv[1], &id) || napi_get_value_bool(env, argv[2], &final) != napi_ok) return NULL;
  if (st->flush_fd < 0) return NULL;
  struct agg_flush_args args = {.cgroup_id = id, .tid = 0, .final = final ? 1 : 0};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof args);
  int err = bpf_prog_test_run_opts(st->flush_fd, &opts);
  if (err) return throw_errno(env, "cannot flush the repeated-open counts", errno);
  return NULL;
}

/* close(handle): detach and free; safe to call once. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct state *st = get_state(env, info, 1, argv);
  if (!st) return NULL;
  close_state(env, st);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"consume", NULL, js_consume, NULL, NULL, NULL, napi_default, NULL},
      {"batchBuffer", NULL, js_batch_buffer, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_default, NULL},
      {"syscalls", NULL, js_syscalls, NULL, NULL, NULL, napi_default, NULL},
      {"sessionLost", NULL, js_session_lost, NULL, NULL, NULL, napi_default, NULL},
      {"lost", NULL, js_lost, NULL, NULL, NULL, napi_default, NULL},
      {"flushDisk", NULL, js_flush_disk, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}
