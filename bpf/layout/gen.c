/*
 * Prints bpf/layout.generated.ts: the offsets and sizes of bpf/events.h as the C compiler lays the
 * structs out, so that bpf/records.ts reads the records from the header itself, not from numbers
 * copied by hand. Run by `make -C bpf layout` (scripts/build.sh, every build); the output is
 * committed so that TypeScript compiles on a host without a C compiler.
 *
 * Each field is exported with the width records.ts reads it at: a field that changes type in
 * events.h fails this program's build (the _Static_assert) instead of being read at the old width.
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "events.h"

#define WIDTH(type, field) sizeof(((struct type *)0)->field)

/* The byte offset of `field` in struct `type`, read by records.ts as `width` bytes. */
#define FIELD(name, type, field, width)                                                       \
  do {                                                                                        \
    _Static_assert(WIDTH(type, field) == (width), #type "." #field " is not " #width " bytes"); \
    printf("export const %s = %zu;\n", name, offsetof(struct type, field));                   \
  } while (0)

#define CONST(name, value) printf("export const %s = %lld;\n", name, (long long)(value))

int main(void) {
  printf("// Generated from bpf/events.h by bpf/layout/gen.c (make -C bpf layout). Do not edit.\n");
  printf("// Offsets are in bytes from the start of a record; every record starts with struct event_hdr.\n\n");

  printf("// enum program_id: event_hdr.kind\n");
  CONST("PROG_COMMAND", PROG_COMMAND);
  CONST("PROG_DISK", PROG_DISK);
  CONST("PROG_NETWORK", PROG_NETWORK);
  CONST("PROG_COUNT", PROG_COUNT);
  printf("\n// WALK_* bits of a walked path\n");
  CONST("WALK_OK", WALK_OK);
  CONST("WALK_DELETED", WALK_DELETED);
  CONST("WALK_CUT", WALK_CUT);
  CONST("TASK_COMM_LEN", TASK_COMM_LEN);

  printf("\n// struct event_hdr (ktime as the addon leaves it: struct wall_time)\n");
  CONST("HDR_SIZE", sizeof(struct event_hdr));
  FIELD("HDR_KIND", event_hdr, kind, 4);
  FIELD("HDR_PID", event_hdr, pid, 4);
  FIELD("HDR_TID", event_hdr, tid, 4);
  FIELD("HDR_CGROUP_ID", event_hdr, cgroup_id, 8);
  FIELD("HDR_KTIME", event_hdr, ktime, 8);
  FIELD("HDR_COMM", event_hdr, comm, TASK_COMM_LEN);
  _Static_assert(sizeof(struct wall_time) == 8, "struct wall_time replaces a __u64");
  FIELD("WALL_SEC", wall_time, sec, 4);
  FIELD("WALL_NSEC", wall_time, nsec, 4);

  printf("\n// struct command_event\n");
  FIELD("COMMAND_PPID", command_event, ppid, 4);
  FIELD("COMMAND_UID", command_event, uid, 4);
  FIELD("COMMAND_GID", command_event, gid, 4);
  FIELD("COMMAND_RET", command_event, ret, 4);
  FIELD("COMMAND_PATH_LEN", command_event, path_len, 2);
  FIELD("COMMAND_EXE_LEN", command_event, exe_len, 2);
  FIELD("COMMAND_ARGS_LEN", command_event, args_len, 2);
  FIELD("COMMAND_ARGS_TRUNCATED", command_event, args_truncated, 1);
  FIELD("COMMAND_PATH_TRUNCATED", command_event, path_truncated, 1);
  FIELD("COMMAND_EXE_WALK", command_event, exe_walk, 1);
  CONST("COMMAND_DATA", offsetof(struct command_event, data));

  printf("\n// struct disk_event\n");
  FIELD("DISK_RET", disk_event, ret, 4);
  FIELD("DISK_DFD", disk_event, dfd, 4);
  FIELD("DISK_FLAGS", disk_event, flags, 4);
  FIELD("DISK_PATH_LEN", disk_event, path_len, 2);
  FIELD("DISK_DIR_LEN", disk_event, dir_len, 2);
  FIELD("DISK_PATH_TRUNCATED", disk_event, path_truncated, 1);
  FIELD("DISK_DIR_WALK", disk_event, dir_walk, 1);
  FIELD("DISK_COUNT", disk_event, count, 4);
  FIELD("DISK_LAST_KTIME", disk_event, last_ktime, 8);
  CONST("DISK_DATA", offsetof(struct disk_event, data));

  printf("\n// struct network_event\n");
  CONST("NETWORK_SIZE", sizeof(struct network_event));
  FIELD("NETWORK_RET", network_event, ret, 4);
  FIELD("NETWORK_FAMILY", network_event, family, 2);
  FIELD("NETWORK_SPORT", network_event, sport, 2);
  FIELD("NETWORK_DPORT", network_event, dport, 2);
  FIELD("NETWORK_SADDR", network_event, saddr, 16);
  FIELD("NETWORK_DADDR", network_event, daddr, 16);
  CONST("NETWORK_ADDR_LEN", WIDTH(network_event, saddr));
  return 0;
}
