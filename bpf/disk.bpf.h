/*
 * disk: every open, openat, openat2 and creat in a monitored cgroup, seen once, at syscall exit.
 * The caller's saved registers still hold the syscall's arguments there: one probe per open
 * instead of an enter/exit pair and a per-thread map. Called from the syscalls' exit tracepoints
 * (sshtrail.bpf.c).
 * A relative path also carries the directory it was resolved from, as it was at the syscall: the
 * task's cwd (or the openat dirfd's file) walked to the root (path.bpf.h). Absolute paths, most
 * opens, pay nothing for it.
 *
 * Repeats are counted here, not sent (docs/design.md, "Repeated opens"): the first open of a key
 * (thread, path, directory, flags, result, comm, cgroup) is sent at once as today and leaves an
 * entry in disk_agg holding its record; the same open again only bumps the entry's count. The
 * counts go out as one record per entry (count, first and last time) when user space flushes
 * (about every second, and at session end: disk_flush) and when the thread exits (disk_exit).
 * Every open is in exactly one record: an open that cannot be counted (no entry, the map full,
 * the entry being retired) is sent on its own.
 */
#pragma once
#include "common.bpf.h"
#include "path.bpf.h"

#define AT_FDCWD_VALUE -100
#define CREAT_FLAGS 01101 /* O_CREAT | O_WRONLY | O_TRUNC */

/* The entry's state word: the count of repeats not yet sent (low 31 bits), RETIRED once the
 * flusher has taken the entry out of use, and a tag from the key's hash (high 32 bits). Writers and
 * flushers change it only by compare-and-swap, so a repeat is either in the count (and sent by
 * whoever takes the count) or sent on its own: never both, never neither. The tag makes a writer
 * holding a pointer to an entry that was deleted and reused for another key fail its swap. */
#define AGG_COUNT 0x7fffffffULL
#define AGG_RETIRED 0x80000000ULL
/* Entries: 4096 x ~1.1 KiB. A record longer than AGG_REC_CAP (path and directory over ~1 KiB) is
 * never counted, only sent. */
#define AGG_ENTRIES 4096
#define AGG_REC_CAP (sizeof(struct disk_event) + DISK_PATH_CAP)

struct disk_agg_key {
  __u64 path_hash;
  __u64 dir_dentry; /* relative paths: the directory they start from (0: absolute) */
  __u64 dir_mnt;
  __u64 cgroup_id;
  __u64 comm_hash;  /* an exec in the thread starts new entries (the record carries comm) */
  __u32 tid;        /* one writer per entry: a thread's opens never race each other */
  __u32 flags;
  __s32 ret;
  __u32 path_len;
};

struct disk_agg_head {
  __u64 state;
  __u64 first;      /* ktime of the first repeat not yet sent */
  __u64 last;       /* ktime of the last */
  __u32 size;       /* bytes of the record that follows */
  __u32 idle;       /* flushes that found nothing to send: retired at the second */
};

struct disk_agg_val {
  struct disk_agg_head head;
  char rec[AGG_REC_CAP]; /* the entry's first record, as it was sent */
};

/* A regular hash, not an LRU: an LRU evicts an entry with its count, and a BPF program learns
 * nothing of it. Here an insert into a full map fails, and that open is sent on its own; the
 * flusher retires entries that had no repeat for two flushes. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, AGG_ENTRIES);
  __type(key, struct disk_agg_key);
  __type(value, struct disk_agg_val);
} disk_agg SEC(".maps");

/* The record is built after an agg head so that the scratch buffer is the value to insert. */
struct disk_scratch_buf {
  struct disk_agg_head head;
  char bytes[sizeof(struct disk_event) + 2 * DISK_PATH_CAP + 2 * WALK_CAP];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct disk_scratch_buf);
} disk_scratch SEC(".maps");

/* The directory a relative path starts from: the cwd, or the dirfd's open file. */
static __always_inline int relative_dir(struct disk_event *e, struct dentry **dentry, struct vfsmount **mnt) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  if (e->dfd == AT_FDCWD_VALUE) {
    *dentry = BPF_CORE_READ(task, fs, pwd.dentry);
    *mnt = BPF_CORE_READ(task, fs, pwd.mnt);
    return *dentry != 0;
  }
  struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
  unsigned int max = BPF_CORE_READ(fdt, max_fds);
  if (e->dfd < 0 || (unsigned int)e->dfd >= max) return 0;
  struct file **fds = BPF_CORE_READ(fdt, fd);
  struct file *f = 0;
  if (bpf_probe_read_kernel(&f, sizeof f, &fds[e->dfd]) != 0 || !f) return 0;
  *dentry = BPF_CORE_READ(f, f_path.dentry);
  *mnt = BPF_CORE_READ(f, f_path.mnt);
  return *dentry != 0;
}

/* That directory walked to the root, written after the path at `off`; returns its length. */
static __always_inline __u64 relative_base(struct disk_event *e, __u64 off, struct dentry *dentry,
                                           struct vfsmount *mnt) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  __u64 start = 0, len = 0;
  __u8 walk = 0;
  char *walked = walk_path(task, dentry, mnt, &start, &len, &walk);
  if (!walked || off >= 2 * DISK_PATH_CAP) return 0;
  __u64 copied = copy_walked(e->data + off, walked, start, len);
  e->dir_len = copied;
  e->dir_walk = walk;
  return copied & (2 * WALK_CAP - 1);
}

/* The path's bytes (n of them, NUL included), eight at a time. */
static __always_inline __u64 path_hash(const char *data, long n) {
  __u64 h = 0xcbf29ce484222325ULL ^ (__u64)n;
  for (int i = 0; i < DISK_PATH_CAP / 8; i++) {
    long at = i * 8;
    if (at >= n) break;
    __u64 w = *(const __u64 *)(data + at);
    long left = n - at;
    if (left < 8) w &= (1ULL << (left * 8)) - 1;
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  return h;
}

static __always_inline __u32 agg_tag(struct disk_agg_key *k) {
  return (__u32)(k->path_hash >> 32) ^ k->tid;
}

/* Counts one repeat in the entry; 0 when it cannot (retired, another key's entry, count full). */
static __always_inline int agg_count(struct disk_agg_val *v, __u32 tag, __u64 now) {
  for (int i = 0; i < 3; i++) {
    __u64 s = *(volatile __u64 *)&v->head.state;
    if ((s >> 32) != tag || (s & AGG_RETIRED) || (s & AGG_COUNT) == AGG_COUNT) return 0;
    if (__sync_val_compare_and_swap(&v->head.state, s, s + 1) == s) {
      /* Times are written after the swap: a flush at that very moment may give the record the
       * previous first or last time (the count is exact either way). */
      if ((s & AGG_COUNT) == 0) v->head.first = now;
      v->head.last = now;
      return 1;
    }
  }
  return 0;
}

/* What a flush walks over: the entries of one thread (tid), of one cgroup (cgroup_id), or all. */
struct agg_flush_ctx {
  __u64 cgroup_id; /* 0: any */
  __u32 tid;       /* 0: any */
  __u32 final;     /* take every entry out (thread exit, session end), not only the idle ones */
};

/* Sends the entry's count as one record: its first record, with count and times set. */
static __always_inline void agg_send(struct disk_agg_key *k, struct disk_agg_val *v, __u64 n, __u64 first,
                                     __u64 last) {
  __u32 size = v->head.size;
  if (size < sizeof(struct disk_event) || size > AGG_REC_CAP) return;
  struct disk_event *r = (struct disk_event *)v->rec;
  r->count = n;
  r->hdr.ktime = first;
  r->last_ktime = last;
  struct cgroup_info *info = bpf_map_lookup_elem(&monitored_cgroups, &k->cgroup_id);
  if (bpf_ringbuf_output(&disk_events, v->rec, size, wake_flags(&disk_events, size)) != 0)
    count_lost_n(info, PROG_DISK, n);
}

static long agg_flush_one(struct bpf_map *map, struct disk_agg_key *k, struct disk_agg_val *v,
                          struct agg_flush_ctx *c) {
  if ((c->tid && k->tid != c->tid) || (c->cgroup_id && k->cgroup_id != c->cgroup_id)) return 0;
  for (int i = 0; i < 4; i++) {
    __u64 s = *(volatile __u64 *)&v->head.state;
    __u64 n = s & AGG_COUNT;
    if (s & AGG_RETIRED) {
      bpf_map_delete_elem(map, k);
      return 0;
    }
    __u64 next;
    if (c->final) next = (s & ~AGG_COUNT) | AGG_RETIRED;
    else if (n) next = s & ~AGG_COUNT;
    else if (v->head.idle == 0) {
      v->head.idle = 1;
      return 0;
    } else next = s | AGG_RETIRED;
    __u64 first = v->head.first, last = v->head.last;
    if (__sync_val_compare_and_swap(&v->head.state, s, next) != s) continue;
    if (n) {
      agg_send(k, v, n, first, last);
      v->head.idle = 0;
    }
    if (next & AGG_RETIRED) bpf_map_delete_elem(map, k);
    return 0;
  }
  return 0;
}

/* From the exit tracepoints of open/openat/openat2/creat (nr is a constant in each). */
static __always_inline int disk_open(long ret, long nr) {
  __u64 cgid;
  struct cgroup_info *info = monitored(&cgid);
  if (!info) return 0;
  struct pt_regs *regs = user_regs();
  __u32 zero = 0;
  struct disk_scratch_buf *buf = bpf_map_lookup_elem(&disk_scratch, &zero);
  if (!buf) return 0;
  struct disk_event *e = (struct disk_event *)buf->bytes;
  fill_hdr(&e->hdr, PROG_DISK, cgid);
  e->ret = ret;
  const char *path;
  if (nr == NR_openat || nr == NR_openat2) {
    e->dfd = (int)regs->di;
    path = (const char *)regs->si;
    if (nr == NR_openat) {
      e->flags = (__u32)regs->dx;
    } else {
      __u64 how_flags = 0; /* struct open_how starts with its u64 flags */
      bpf_probe_read_user(&how_flags, sizeof how_flags, (void *)regs->dx);
      e->flags = (__u32)how_flags;
    }
  } else {
    e->dfd = AT_FDCWD_VALUE;
    path = (const char *)regs->di;
    e->flags = nr == NR_open ? (__u32)regs->si : CREAT_FLAGS;
  }
  long n = bpf_probe_read_user_str(e->data, DISK_PATH_CAP, path);
  if (n < 0) n = 0;
  e->path_truncated = n >= DISK_PATH_CAP;
  e->path_len = n;
  e->dir_len = 0;
  e->dir_walk = 0;
  e->_pad = 0;
  e->count = 0;
  e->last_ktime = 0;
  __u64 off = (__u64)n & (2 * DISK_PATH_CAP - 1);
  int relative = n > 1 && e->data[0] != '/';
  struct dentry *dentry = 0;
  struct vfsmount *mnt = 0;
  if (relative) relative_dir(e, &dentry, &mnt);

  struct disk_agg_key key = {
      .path_hash = path_hash(e->data, n),
      .dir_dentry = (__u64)dentry,
      .dir_mnt = (__u64)mnt,
      .cgroup_id = cgid,
      .comm_hash = (*(__u64 *)e->hdr.comm * 0x9e3779b97f4a7c15ULL) ^ *(__u64 *)(e->hdr.comm + 8),
      .tid = e->hdr.tid,
      .flags = e->flags,
      .ret = e->ret,
      .path_len = n,
  };
  __u32 tag = agg_tag(&key);
  struct disk_agg_val *v = bpf_map_lookup_elem(&disk_agg, &key);
  if (v && agg_count(v, tag, e->hdr.ktime)) return 0;

  if (dentry) off += relative_base(e, off, dentry, mnt);
  __u64 size = sizeof(*e) + off;
  emit(&disk_events, e, size, info, PROG_DISK);
  /* A relative path whose directory could not be found is not counted: nothing tells two such
   * opens apart. */
  if (!v && size <= AGG_REC_CAP && (!relative || dentry)) {
    buf->head.state = (__u64)tag << 32;
    buf->head.first = 0;
    buf->head.last = 0;
    buf->head.size = size;
    buf->head.idle = 0;
    bpf_map_update_elem(&disk_agg, &key, buf, BPF_NOEXIST);
  }
  return 0;
}
