/*
 * A path as the kernel knows it, from a dentry and its mount: the dentry chain walked up to the
 * task's root, crossing mount points, the names written from the end of a per-CPU buffer towards
 * its start (as the kernel's d_path does). No helper does this for these program types here:
 * bpf_d_path is only allowed in fentry/LSM programs, which cannot load on this kernel (README.md).
 *
 * The walk is bounded (WALK_DEPTH steps, WALK_CAP bytes) and runs in bpf_loop, so the verifier
 * checks one step instead of every unrolled iteration. It takes no lock: a rename racing with it
 * can give a name from before or after the rename, as a lockless d_path walk would.
 */
#pragma once
#include "common.bpf.h"

/* Steps: one per name, one per mount crossed. Deeper paths come back WALK_CUT. */
#define WALK_DEPTH 64
#define NAME_BYTES 256 /* NAME_MAX + 1: a name is read with at most this many bytes */

struct walk_buf {
  /* The path ends at bytes[WALK_CAP - 1] (its NUL); a name written at any offset below WALK_CAP
   * stays inside the buffer. */
  char bytes[WALK_CAP + NAME_BYTES];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct walk_buf);
} walk_scratch SEC(".maps");

/* Pointers are kept as plain numbers and read with bpf_probe_read_kernel (BPF_CORE_READ): the
 * loop's callback sees them through its context on the stack. */
struct walk_state {
  __u64 dentry;
  __u64 vfsmnt;
  __u64 root_dentry;
  __u64 root_mnt;
  __u64 mnt_offset; /* offsetof(struct mount, mnt), relocated */
  char *buf;
  __s64 at;         /* where the path starts in buf; WALK_CAP - 1 (the NUL) while empty */
  __u32 walk;       /* WALK_* bits */
};

/* Writes "/<d's name>" in front of what the walk has; 0 when it does not fit. */
static __always_inline int prepend_name(struct walk_state *w, struct dentry *d) {
  struct qstr name = BPF_CORE_READ(d, d_name);
  __s64 len = name.len;
  if (len <= 0 || len >= NAME_BYTES || w->at < len + 1) return 0;
  __s64 at = w->at - len - 1;
  if (at < 0 || at >= WALK_CAP) return 0;
  w->at = at;
  char *buf = w->buf;
  buf[at & (WALK_CAP - 1)] = '/';
  bpf_probe_read_kernel(buf + ((at + 1) & (WALK_CAP - 1)), len & (NAME_BYTES - 1), name.name);
  return 1;
}

static long walk_step(__u32 i, struct walk_state *w) {
  struct dentry *d = (struct dentry *)w->dentry;
  struct vfsmount *vfs = (struct vfsmount *)w->vfsmnt;
  if (w->dentry == w->root_dentry && w->vfsmnt == w->root_mnt) {
    w->walk |= WALK_OK;
    return 1;
  }
  struct dentry *parent = BPF_CORE_READ(d, d_parent);
  struct dentry *mnt_root = BPF_CORE_READ(vfs, mnt_root);
  if (d == mnt_root) {
    struct mount *mnt = (struct mount *)((char *)vfs - w->mnt_offset);
    struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
    /* The top of this mount tree: the global root, or a mount attached nowhere. */
    if (up == mnt || !up) {
      w->walk |= WALK_OK;
      return 1;
    }
    w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
    w->vfsmnt = (__u64)up + w->mnt_offset;
    return 0;
  }
  if (d == parent) {
    /* A dentry that is its own parent without being a mount's root: a pseudo file's (memfd,
     * alloc_file_pseudo), named "/<name>" and never linked anywhere, as d_path's simple_dname
     * shows it ("/memfd:x (deleted)"). Met higher up, the walk escaped: not a path. */
    if (w->at == WALK_CAP - 1 && prepend_name(w, d)) w->walk |= WALK_OK | WALK_DELETED;
    else w->walk |= WALK_CUT;
    return 1;
  }
  if (!prepend_name(w, d)) {
    w->walk |= WALK_CUT;
    return 1;
  }
  w->dentry = (__u64)parent;
  return 0;
}

/*
 * Walks `dentry` on `vfsmnt` up to `task`'s root into the per-CPU walk buffer. Returns the buffer
 * (the path at buf + *start, NUL-terminated, *len bytes with the NUL) or 0; *walk gets WALK_* bits.
 */
static __always_inline char *walk_path(struct task_struct *task, struct dentry *dentry, struct vfsmount *vfsmnt,
                                       __u64 *start, __u64 *len, __u8 *walk) {
  __u32 zero = 0;
  char *buf = bpf_map_lookup_elem(&walk_scratch, &zero);
  *walk = 0;
  if (!buf || !dentry || !vfsmnt) return 0;
  struct walk_state w = {
      .dentry = (__u64)dentry,
      .vfsmnt = (__u64)vfsmnt,
      .root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry),
      .root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt),
      .mnt_offset = bpf_core_field_offset(struct mount, mnt),
      .buf = buf,
      .at = WALK_CAP - 1,
      .walk = 0,
  };
  buf[WALK_CAP - 1] = 0;
  bpf_loop(WALK_DEPTH, walk_step, &w, 0);
  if (!(w.walk & (WALK_OK | WALK_CUT))) w.walk |= WALK_CUT; /* out of steps */
  /* An unlinked dentry is unhashed (d_path's " (deleted)"); a root is never deleted. */
  if (BPF_CORE_READ(dentry, d_hash.pprev) == 0 && BPF_CORE_READ(dentry, d_parent) != dentry)
    w.walk |= WALK_DELETED;
  __s64 at = w.at;
  if (at == WALK_CAP - 1) { /* the root itself */
    at = WALK_CAP - 2;
    buf[WALK_CAP - 2] = '/';
  }
  if (at < 0 || at >= WALK_CAP) return 0;
  *start = at;
  *len = WALK_CAP - at;
  *walk = w.walk;
  return buf;
}

/* Copies a walked path to dst (which has room for WALK_CAP bytes); returns the bytes copied. */
static __always_inline __u64 copy_walked(char *dst, const char *buf, __u64 start, __u64 len) {
  if (len > WALK_CAP || start >= WALK_CAP) return 0;
  if (bpf_probe_read_kernel(dst, len, buf + start) != 0) return 0;
  return len;
}
