/*
 * sshtrail_sys.node: the few system calls the server needs and Node does not offer.
 *
 *   setCloexec(fd)                                    FD_CLOEXEC on a descriptor the server holds
 *   mount(source, target, fstype, flags, data|null)   mount(2), for tracefs and a private cgroup2
 *   socketPair()                                      [ours, child's]: a unix stream pair, only
 *                                                     ours close-on-exec (the launcher's report
 *                                                     channel: node-pty cannot pass descriptors)
 *   seqpacketPair()                                   [server end (non-blocking), child end]
 *   sendPacket(fd, buffer)                            one message; false when it would block
 *   recvPacket(fd)                                    {data, fd} (fd -1: none attached), or null
 *                                                     when nothing waits; data empty at the end
 *   ttyLocalModes(fd)                                 c_lflag of a terminal (tcgetattr): on a PTY
 *                                                     master Linux answers with the slave's modes,
 *                                                     so the server sees when ECHO is off
 * The last three are the forwarding helper's channel (core/launch/forward.c): sockets the helper
 * opened as the login arrive attached to its replies (SCM_RIGHTS), close-on-exec.
 *
 * Errors are thrown with `code` set to the errno name (EPERM, EROFS, ...), so the caller can say
 * exactly why and what to do. Plain C over N-API with no dependencies: built with the launcher,
 * whether or not the BPF part can be built on this host.
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ENODEV: return "ENODEV";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EROFS: return "EROFS";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOMEM: return "ENOMEM";
    case ENOTTY: return "ENOTTY";
    case EIO: return "EIO";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int e, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_name(e), msg);
  return NULL;
}

/* Reads argument i as a string into buf; returns 0 when it is null/undefined (absent), 1 when set,
 * -1 (with an exception pending) when it is neither. */
static int arg_string(napi_env env, napi_value v, char *buf, size_t size) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) return 0;
  size_t len;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok || len + 1 >= size) {
    napi_throw_type_error(env, NULL, "expected a string shorter than 4096 bytes");
    return -1;
  }
  return 1;
}

static napi_value set_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "setCloexec(fd): fd must be a descriptor number");
    return NULL;
  }
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return throw_errno(env, errno, "fcntl");
  return NULL;
}

static napi_value do_mount(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "mount(source, target, fstype, flags, data)");
    return NULL;
  }
  char source[4096], target[4096], fstype[4096], data[4096];
  int has[5];
  has[0] = arg_string(env, argv[0], source, sizeof source);
  has[1] = arg_string(env, argv[1], target, sizeof target);
  has[2] = arg_string(env, argv[2], fstype, sizeof fstype);
  has[4] = arg_string(env, argv[4], data, sizeof data);
  if (has[0] < 0 || has[1] < 0 || has[2] < 0 || has[4] < 0) return NULL;
  if (!has[1]) {
    napi_throw_type_error(env, NULL, "mount: target is required");
    return NULL;
  }
  uint32_t flags;
  if (napi_get_value_uint32(env, argv[3], &flags) != napi_ok) {
    napi_throw_type_error(env, NULL, "mount: flags must be a number");
    return NULL;
  }
  if (mount(has[0] ? source : NULL, target, has[2] ? fstype : NULL, flags, has[4] ? data : NULL) != 0)
    return throw_errno(env, errno, "mount");
  return NULL;
}

/* A socketpair to JavaScript as [sv[0], sv[1]]. */
static napi_value pair_value(napi_env env, const int sv[2]) {
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  napi_create_int32(env, sv[0], &a);
  napi_create_int32(env, sv[1], &b);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

/* Setting up a fresh pair failed at `what`: neither end is handed out. */
static napi_value close_pair_and_throw(napi_env env, const int sv[2], const char *what) {
  int e = errno;
  close(sv[0]);
  close(sv[1]);
  return throw_errno(env, e, what);
}

static napi_value socket_pair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return throw_errno(env, errno, "socketpair");
  /* The child's end is inherited through the next fork and exec, and closed by us right after. */
  int flags = fcntl(sv[1], F_GETFD);
  if (flags < 0 || fcntl(sv[1], F_SETFD, flags & ~FD_CLOEXEC) < 0) return close_pair_and_throw(env, sv, "fcntl");
  return pair_value(env, sv);
}

static napi_value seqpacket_pair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return throw_errno(env, errno, "socketpair");
  int flags = fcntl(sv[0], F_GETFL);
  if (flags < 0 || fcntl(sv[0], F_SETFL, flags | O_NONBLOCK) < 0) return close_pair_and_throw(env, sv, "fcntl");
  return pair_value(env, sv);
}

static int arg_fd(napi_env env, napi_value v, int32_t *fd) {
  if (napi_get_value_int32(env, v, fd) != napi_ok || *fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a descriptor number");
    return -1;
  }
  return 0;
}

static napi_value send_packet(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  void *data;
  size_t len;
  if (argc < 2 || arg_fd(env, argv[0], &fd) < 0) return NULL;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "sendPacket(fd, buffer)");
    return NULL;
  }
  ssize_t n;
  do n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return throw_errno(env, errno, "send");
  napi_value ok;
  napi_get_boolean(env, n >= 0, &ok);
  return ok;
}

static napi_value recv_packet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || arg_fd(env, argv[0], &fd) < 0) return NULL;
  char buf[1024];
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t n;
  do n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  napi_value out;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_get_null(env, &out);
      return out;
    }
    return throw_errno(env, errno, "recvmsg");
  }
  int passed = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t k = 0; k < count; k++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + k * sizeof(int), sizeof got);
      /* One descriptor per reply; any more would leak. */
      if (passed < 0) passed = got;
      else close(got);
    }
  }
  napi_value data, pfd;
  void *copy;
  napi_create_buffer_copy(env, (size_t)n, buf, &copy, &data);
  napi_create_int32(env, passed, &pfd);
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "data", data);
  napi_set_named_property(env, out, "fd", pfd);
  return out;
}

static napi_value tty_local_modes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "ttyLocalModes(fd): fd must be a descriptor number");
    return NULL;
  }
  struct termios t;
  if (tcgetattr(fd, &t) != 0) return throw_errno(env, errno, "tcgetattr");
  napi_value out;
  napi_create_uint32(env, (uint32_t)t.c_lflag, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"setCloexec", NULL, set_cloexec, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mount", NULL, do_mount, NULL, NULL, NULL, napi_enumerable, NULL},
      {"socketPair", NULL, socket_pair, NULL, NULL, NULL, napi_enumerable, NULL},
      {"seqpacketPair", NULL, seqpacket_pair, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendPacket", NULL, send_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvPacket", NULL, recv_packet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ttyLocalModes", NULL, tty_local_modes, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
