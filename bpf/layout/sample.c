/*
 * sshtrail-bpf-sample: writes records to stdout as the addon hands them to JS, for the decode test
 * (test/bpf/decode.test.ts). Each record is filled in through the structs of events.h and framed
 * by the addon's own batch code (addon/batch.c), so the test checks bpf/records.ts against the C
 * layout, not against offsets it would have to know itself.
 *
 *   sshtrail-bpf-sample KIND key=value... [-- KIND key=value...]...
 *
 * KIND is command, disk or network. Every kind: pid tid cgroup sec nsec comm. command: ppid uid gid
 * ret path exe exe_walk args_truncated path_truncated, and arg=... once per argument (args_cut=1
 * leaves the last one without its NUL, as the kernel does when it cuts argv). disk: ret dfd flags
 * path dir dir_walk path_truncated count last_sec last_nsec. network: ret family sport dport, and
 * saddr/daddr as 32 hex digits (an IPv4 address in the first 8). Unnamed fields are 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

static char out[BATCH_CAP];
static struct batch batch = {.buf = out, .limit = BATCH_CAP, .mono_to_wall = 0};

static void die(const char *what, const char *arg) {
  fprintf(stderr, "sshtrail-bpf-sample: %s: %s\n", what, arg);
  exit(2);
}

static unsigned long long num(const char *v) {
  char *end;
  unsigned long long x = strtoull(v, &end, 0);
  if (*v == '-') x = (unsigned long long)strtoll(v, &end, 0);
  if (*end) die("not a number", v);
  return x;
}

static void hex16(__u8 *to, const char *v) {
  if (strlen(v) != 32) die("an address is 32 hex digits", v);
  for (int i = 0; i < 16; i++) {
    char byte[3] = {v[2 * i], v[2 * i + 1], 0};
    to[i] = (__u8)strtoul(byte, NULL, 16);
  }
}

/* Appends `s` (and its NUL unless `cut`) to the record's data; returns the bytes added. */
static __u16 put(char *data, size_t *used, size_t cap, const char *s, int cut) {
  size_t n = strlen(s) + (cut ? 0 : 1);
  if (*used + n > cap) die("strings too long", s);
  memcpy(data + *used, s, n);
  *used += n;
  return (__u16)n;
}

/* The kernel's stamp for a wall-clock time: the batch's offset is 0, so ktime is the wall time. */
static __u64 stamp(unsigned long long sec, unsigned long long nsec) { return sec * 1000000000ull + nsec; }

/* One record from argv[0..argc), up to a "--"; returns how many arguments it took. */
static int record(int argc, char **argv) {
  static union {
    struct command_event command;
    struct disk_event disk;
    struct network_event network;
    char raw[sizeof(struct command_event) + 2 * EXEC_PATH_CAP + 2 * WALK_CAP + ARGV_CAP];
  } r;
  memset(&r, 0, sizeof r);
  const char *kind = argv[0];
  struct event_hdr *h = &r.command.hdr;
  size_t data_cap = sizeof r - sizeof(struct command_event);
  size_t used = 0;
  const char *path = NULL, *extra = NULL, *args[256];
  int nargs = 0, args_cut = 0;
  unsigned long long sec = 0, nsec = 0, last_sec = 0, last_nsec = 0;
  __s32 ret = 0;
  if (!strcmp(kind, "command")) h->kind = PROG_COMMAND;
  else if (!strcmp(kind, "disk")) h->kind = PROG_DISK;
  else if (!strcmp(kind, "network")) h->kind = PROG_NETWORK;
  else die("unknown kind", kind);
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--"); i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) die("not key=value", argv[i]);
    *eq = '\0';
    const char *k = argv[i], *v = eq + 1;
    if (!strcmp(k, "pid")) h->pid = (__u32)num(v);
    else if (!strcmp(k, "tid")) h->tid = (__u32)num(v);
    else if (!strcmp(k, "cgroup")) h->cgroup_id = num(v);
    else if (!strcmp(k, "sec")) sec = num(v);
    else if (!strcmp(k, "nsec")) nsec = num(v);
    else if (!strcmp(k, "comm")) memcpy(h->comm, v, strnlen(v, TASK_COMM_LEN));
    else if (!strcmp(k, "path")) path = v;
    else if (!strcmp(k, "ret")) ret = (__s32)num(v);
    else if (h->kind == PROG_COMMAND && !strcmp(k, "ppid")) r.command.ppid = (__u32)num(v);
    else if (h->kind == PROG_COMMAND && !strcmp(k, "uid")) r.command.uid = (__u32)num(v);
    else if (h->kind == PROG_COMMAND && !strcmp(k, "gid")) r.command.gid = (__u32)num(v);
    else if (h->kind == PROG_COMMAND && !strcmp(k, "exe")) extra = v;
    else if (h->kind == PROG_COMMAND && !strcmp(k, "exe_walk")) r.command.exe_walk = (__u8)num(v);
    else if (h->kind == PROG_COMMAND && !strcmp(k, "args_truncated")) r.command.args_truncated = (__u8)num(v);
    else if (h->kind == PROG_COMMAND && !strcmp(k, "path_truncated")) r.command.path_truncated = (__u8)num(v);
    else if (h->kind == PROG_COMMAND && !strcmp(k, "arg") && nargs < 256) args[nargs++] = v;
    else if (h->kind == PROG_COMMAND && !strcmp(k, "args_cut")) args_cut = (int)num(v);
    else if (h->kind == PROG_DISK && !strcmp(k, "dfd")) r.disk.dfd = (__s32)num(v);
    else if (h->kind == PROG_DISK && !strcmp(k, "flags")) r.disk.flags = (__u32)num(v);
    else if (h->kind == PROG_DISK && !strcmp(k, "dir")) extra = v;
    else if (h->kind == PROG_DISK && !strcmp(k, "dir_walk")) r.disk.dir_walk = (__u8)num(v);
    else if (h->kind == PROG_DISK && !strcmp(k, "path_truncated")) r.disk.path_truncated = (__u8)num(v);
    else if (h->kind == PROG_DISK && !strcmp(k, "count")) r.disk.count = (__u32)num(v);
    else if (h->kind == PROG_DISK && !strcmp(k, "last_sec")) last_sec = num(v);
    else if (h->kind == PROG_DISK && !strcmp(k, "last_nsec")) last_nsec = num(v);
    else if (h->kind == PROG_NETWORK && !strcmp(k, "family")) r.network.family = (__u16)num(v);
    else if (h->kind == PROG_NETWORK && !strcmp(k, "sport")) r.network.sport = (__u16)num(v);
    else if (h->kind == PROG_NETWORK && !strcmp(k, "dport")) r.network.dport = (__u16)num(v);
    else if (h->kind == PROG_NETWORK && !strcmp(k, "saddr")) hex16(r.network.saddr, v);
    else if (h->kind == PROG_NETWORK && !strcmp(k, "daddr")) hex16(r.network.daddr, v);
    else die("unknown key for this kind", k);
  }
  h->ktime = stamp(sec, nsec);
  size_t size;
  if (h->kind == PROG_COMMAND) {
    r.command.ret = ret;
    if (path) r.command.path_len = put(r.command.data, &used, data_cap, path, 0);
    if (extra) r.command.exe_len = put(r.command.data, &used, data_cap, extra, 0);
    size_t args_at = used;
    for (int a = 0; a < nargs; a++) put(r.command.data, &used, data_cap, args[a], args_cut && a == nargs - 1);
    r.command.args_len = (__u16)(used - args_at);
    size = sizeof(struct command_event) + used;
  } else if (h->kind == PROG_DISK) {
    r.disk.ret = ret;
    if (path) r.disk.path_len = put(r.disk.data, &used, data_cap, path, 0);
    if (extra) r.disk.dir_len = put(r.disk.data, &used, data_cap, extra, 0);
    r.disk.last_ktime = stamp(last_sec, last_nsec);
    size = sizeof(struct disk_event) + used;
  } else {
    r.network.ret = ret;
    size = sizeof(struct network_event);
  }
  if (batch_append(&batch, &r, size) != 0 && batch.len < batch.limit) die("batch full at", kind);
  return i;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) i += record(argc - i, argv + i);
  if (fwrite(out, 1, batch.len, stdout) != batch.len) return 1;
  return 0;
}
