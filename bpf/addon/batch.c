/* Batch framing: see batch.h. */
#include "batch.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* A bpf_ktime_get_ns() stamp at `at`, rewritten in place into struct wall_time. */
static void to_wall_time(char *at, __u64 mono_to_wall) {
  __u64 ktime;
  memcpy(&ktime, at, sizeof ktime);
  __u64 wall = ktime + mono_to_wall;
  struct wall_time t = {(__u32)(wall / 1000000000ull), (__u32)(wall % 1000000000ull)};
  memcpy(at, &t, sizeof t);
}

int batch_append(struct batch *b, const void *data, size_t size) {
  size_t need = (4 + size + 7) & ~(size_t)7;
  if (b->len + need > BATCH_CAP) {
    b->overflow++;
    return -E2BIG;
  }
  char *rec = b->buf + b->len + 4;
  __u32 n = (__u32)size;
  memcpy(b->buf + b->len, &n, 4);
  memcpy(rec, data, size);
  memset(rec + size, 0, need - 4 - size);
  if (size >= sizeof(struct event_hdr)) {
    to_wall_time(rec + offsetof(struct event_hdr, ktime), b->mono_to_wall);
    /* An aggregated disk record's last repeat, the same way. */
    __u32 kind;
    memcpy(&kind, rec, sizeof kind);
    if (kind == PROG_DISK && size >= sizeof(struct disk_event))
      to_wall_time(rec + offsetof(struct disk_event, last_ktime), b->mono_to_wall);
  }
  b->len += need;
  return b->len >= b->limit ? -E2BIG : 0;
}

static __u64 clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* The same clock as bpf_ktime_get_ns(): CLOCK_MONOTONIC. Read between two reads of the wall
 * clock, the closest pair of three tries: a preemption between the reads would skew the offset. */
__u64 mono_to_wall_offset(void) {
  __u64 best = 0, best_gap = ~0ull;
  for (int i = 0; i < 3; i++) {
    __u64 w0 = clock_ns(CLOCK_REALTIME);
    __u64 b = clock_ns(CLOCK_MONOTONIC);
    __u64 w1 = clock_ns(CLOCK_REALTIME);
    if (w1 - w0 < best_gap) {
      best_gap = w1 - w0;
      best = w0 + (w1 - w0) / 2 - b;
    }
  }
  return best;
}
