/*
 * The records the BPF programs put in their ring buffers, shared by the programs (*.bpf.c, with
 * vmlinux.h) and the N-API addon (with <linux/types.h>), and the one source of the layout
 * bpf/records.ts decodes: bpf/layout/gen.c prints its offsets into bpf/layout.generated.ts at build
 * time (make -C bpf layout), and test/bpf/decode.test.ts decodes records bpf/layout/sample.c
 * writes through these structs. Every record starts with struct event_hdr; variable-length strings follow
 * the fixed part in `data`, NUL-terminated, and the record is only as long as what it carries.
 */
#ifndef SSHTRAIL_EVENTS_H
#define SSHTRAIL_EVENTS_H

#define TASK_COMM_LEN 16

/* Capacities: the kernel cuts there and sets the *_truncated flags. */
#define EXEC_PATH_CAP 1024  /* resolved executable path as exec saw it */
#define ARGV_CAP 8192       /* all of argv, NUL-separated (the issue asks for >= 4 KiB) */
#define ARGV_FAIL_MAX 32    /* args read one by one from a failed exec's argv[] */
#define DISK_PATH_CAP 1024  /* open(2) path as given */
#define WALK_CAP 1024       /* a path the kernel walks from a dentry up to the root, NUL included */

/* What a walked path (path.bpf.h) came to: a bit set. */
#define WALK_OK 1           /* walked up to the process's root (or the top of its mount tree) */
#define WALK_DELETED 2      /* the dentry had been unlinked (a deleted file, a memfd, an O_TMPFILE) */
#define WALK_CUT 4          /* deeper or longer than WALK_CAP: what is there is a suffix, not a path */

enum program_id {
  PROG_COMMAND = 0,
  PROG_DISK = 1,
  PROG_NETWORK = 2,
  PROG_COUNT = 3,
};

/* The value of monitored_cgroups: per-session loss counters, bumped when the ring is full. */
struct cgroup_info {
  __u64 lost[PROG_COUNT];
};

struct event_hdr {
  __u32 kind; /* enum program_id */
  __u32 pid;  /* tgid */
  __u32 tid;
  __u32 _pad;
  __u64 cgroup_id;
  /* bpf_ktime_get_ns() at the syscall (CLOCK_MONOTONIC). The addon rewrites it, in the batch it
   * hands to JS, into wall-clock time: struct wall_time (seconds, then nanoseconds). */
  __u64 ktime;
  char comm[TASK_COMM_LEN];
};

/* event_hdr.ktime as the addon leaves it in a batch. */
struct wall_time {
  __u32 sec;  /* Unix seconds */
  __u32 nsec;
};

struct command_event {
  struct event_hdr hdr;
  __u32 ppid;
  __u32 uid;
  __u32 gid;
  __s32 ret;       /* 0, or the negative errno of a failed execve/execveat */
  __u16 path_len;  /* bytes of data[] holding the path, NUL included */
  __u16 exe_len;   /* bytes of data[] after the path holding the executable's walked path (0: none) */
  __u16 args_len;  /* bytes of data[] after those holding argv, NUL-separated */
  __u8 args_truncated;
  __u8 path_truncated;
  __u8 exe_walk;   /* WALK_* bits of the executable's path (0 for a failed exec) */
  __u8 _pad[7];
  char data[];     /* path as given, then the executable's path, then argv */
};

struct disk_event {
  struct event_hdr hdr;
  __s32 ret;       /* fd, or negative errno */
  __s32 dfd;       /* directory fd a relative path is resolved against (AT_FDCWD = -100) */
  __u32 flags;     /* open flags (for creat: O_CREAT|O_WRONLY|O_TRUNC) */
  __u16 path_len;  /* NUL included */
  __u16 dir_len;   /* bytes after the path holding the directory a relative path starts from (0: none) */
  __u8 path_truncated;
  __u8 dir_walk;   /* WALK_* bits of that directory (0 when the path is absolute) */
  __u16 _pad;
  /* 0: this record is one open. Otherwise the record stands for `count` repeats of an open already
   * reported (same thread, path, directory, flags and result: disk.bpf.h), the first at
   * hdr.ktime, the last at last_ktime (rewritten by the addon into struct wall_time too). */
  __u32 count;
  __u64 last_ktime;
  char data[];     /* path as given, then (relative paths) the cwd or dirfd's path, walked at the syscall */
};

struct network_event {
  struct event_hdr hdr;
  __s32 ret;       /* 0, or negative errno (e.g. -ECONNREFUSED, -EINPROGRESS never) */
  __u16 family;    /* AF_INET or AF_INET6 */
  __u16 sport;     /* host byte order */
  __u16 dport;     /* host byte order */
  __u16 _pad[3];
  __u8 saddr[16];  /* IPv4 in the first 4 bytes */
  __u8 daddr[16];
};

#endif
