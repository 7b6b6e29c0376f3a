/*
 * The batch area the addon hands to JS: records copied out of the rings, framed as
 * [u32 size][record][pad to 8]..., their kernel timestamps rewritten into wall-clock time
 * (struct wall_time). bpf/records.ts reads this framing. No libbpf or N-API here: the decode test's
 * sample writer (bpf/layout/sample.c) frames its records with this same code.
 */
#ifndef SSHTRAIL_BATCH_H
#define SSHTRAIL_BATCH_H

#include <stddef.h>
#include <linux/types.h>

#include "events.h"

#define DEFAULT_BATCH_LIMIT (1u << 20)
/* The largest record a program writes, framed: a batch that stops below the limit always has room
 * for one more (libbpf consumes a record before handing it over: it must fit). */
#define MAX_FRAMED_RECORD (4 + sizeof(struct command_event) + 2 * EXEC_PATH_CAP + 2 * WALK_CAP + 2 * ARGV_CAP + 8)
#define BATCH_CAP (DEFAULT_BATCH_LIMIT + 2 * MAX_FRAMED_RECORD)

struct batch {
  char *buf; /* BATCH_CAP bytes */
  size_t len, limit;
  /* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, taken once at open: turns the programs' timestamps
   * into wall-clock time the way the server's own event clock does (core/events/clock.ts: the
   * wall clock read once, advanced by the monotonic clock), so both kinds of event share one
   * timeline. */
  __u64 mono_to_wall;
  unsigned long long overflow; /* records that did not fit a batch: never, by BATCH_CAP */
};

/* Appends one record, framed, its timestamps rewritten. Returns 0, or -E2BIG once the batch has
 * reached its limit (the record is in) or when the record does not fit (it is not; overflow
 * counts it). */
int batch_append(struct batch *b, const void *data, size_t size);

/* The offset batch.mono_to_wall holds, read from the clocks now. */
__u64 mono_to_wall_offset(void);

#endif
