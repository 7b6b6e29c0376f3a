/*
 * sshtrail-fwd: opens the TCP sockets of one SSH connection's port forwards as the login, inside
 * the connection's forwarding cgroup, and hands them to the server. Started by the server through
 * sshtrail-launch (which joined the cgroup and dropped to the login's uid, gid and groups), so a
 * connect() here is the login's, seen by the kernel capture like any other, and a listen() on a
 * port below 1024 fails for a non-root login as it would for any of its programs.
 *
 * Descriptor 0 is a SOCK_SEQPACKET socket to the server; every message is one line of text:
 *
 *   request   C <id> <host> <port>        connect to host:port (each address getaddrinfo gives)
 *             L <id> <host> <port>        bind host:port ("" or "*": every address) and listen
 *   reply     <id> ok <addr> <port>       with the socket attached (SCM_RIGHTS); addr/port: the
 *                                         peer connected to, or the address bound
 *             <id> err <ERRNO> <text>     nothing attached
 *
 * Each request is served by a child of its own, so that a slow connect or name lookup holds up
 * no other forward; replies come in the order they finish. After each reply one byte is written
 * to descriptor 1, the server's signal that a message is waiting (it reads the socket itself,
 * without an event loop for it). The helper ends when the server closes its end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define MSG_MAX 1024

static const char *errno_name(int e) {
  switch (e) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EINVAL: return "EINVAL";
    default: return "EIO";
  }
}

static void reply(const char *id, int fd, const char *text) {
  char msg[MSG_MAX];
  int n = snprintf(msg, sizeof msg, "%s %s", id, text);
  if (n < 0 || n >= (int)sizeof msg) n = (int)sizeof msg - 1;
  struct iovec iov = {.iov_base = msg, .iov_len = (size_t)n};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (fd >= 0) {
    memset(&ctl, 0, sizeof ctl);
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof ctl.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  if (sendmsg(0, &mh, MSG_NOSIGNAL) >= 0) (void)!write(1, "r", 1);
}

static void fail(const char *id, int e, const char *what) {
  char text[512];
  snprintf(text, sizeof text, "err %s %s: %s", errno_name(e), what, strerror(e));
  reply(id, -1, text);
}

static void name_of(const struct sockaddr *sa, char *host, size_t hlen, unsigned *port) {
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &s6->sin6_addr, host, hlen);
    /* An IPv4 peer on a dual-stack socket: report it as IPv4. */
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.')) memmove(host, host + 7, strlen(host + 7) + 1);
    *port = ntohs(s6->sin6_port);
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &s4->sin_addr, host, hlen);
    *port = ntohs(s4->sin_port);
  }
}

static void do_connect(const char *id, const char *host, const char *port) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res;
  int r = getaddrinfo(host, port, &hints, &res);
  if (r != 0) {
    char text[512];
    snprintf(text, sizeof text, "err %s cannot resolve %s: %s", r == EAI_NONAME ? "ENOTFOUND" : "EAI",
             host, gai_strerror(r));
    reply(id, -1, text);
    return;
  }
  int last = ECONNREFUSED;
  for (struct addrinfo *a = res; a; a = a->ai_next) {
    int s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) {
      last = errno;
      continue;
    }
    if (connect(s, a->ai_addr, a->ai_addrlen) == 0) {
      int one = 1;
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      char addr[INET6_ADDRSTRLEN], text[256];
      unsigned p;
      name_of(a->ai_addr, addr, sizeof addr, &p);
      snprintf(text, sizeof text, "ok %s %u", addr, p);
      reply(id, s, text);
      freeaddrinfo(res);
      return;
    }
    last = errno;
    close(s);
  }
  freeaddrinfo(res);
  fail(id, last, "connect");
}

/* Binds and listens on the first of `res` that works; the socket, or -1 with *last set. */
static int listen_first(struct addrinfo *res, int wildcard, int *last, char *addr, size_t alen, unsigned *port) {
  for (struct addrinfo *a = res; a; a = a->ai_next) {
    int s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) {
      *last = errno;
      continue;
    }
    int one = 1, zero = 0;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a->ai_family == AF_INET6) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, wildcard ? &zero : &one, sizeof one);
    if (bind(s, a->ai_addr, a->ai_addrlen) == 0 && listen(s, 128) == 0) {
      struct sockaddr_storage ss;
      socklen_t len = sizeof ss;
      if (getsockname(s, (struct sockaddr *)&ss, &len) == 0) name_of((struct sockaddr *)&ss, addr, alen, port);
      return s;
    }
    *last = errno;
    close(s);
  }
  return -1;
}

static void do_listen(const char *id, const char *host, const char *port) {
  int wildcard = host[0] == '\0' || strcmp(host, "*") == 0;
  /* The wildcard, as sshd's every address: one IPv6 socket that also takes IPv4 (V6ONLY off),
   * asked for first because getaddrinfo lists 0.0.0.0 before :: and binding that alone would
   * leave IPv6 clients out; a host without IPv6 falls back to 0.0.0.0. */
  int families[2] = {wildcard ? AF_INET6 : AF_UNSPEC, AF_INET};
  int tries = wildcard ? 2 : 1, last = EADDRNOTAVAIL, r = 0;
  for (int t = 0; t < tries; t++) {
    struct addrinfo hints = {.ai_family = families[t], .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    r = getaddrinfo(wildcard ? NULL : host, port, &hints, &res);
    if (r != 0) continue;
    char addr[INET6_ADDRSTRLEN] = "", text[256];
    unsigned p = 0;
    int s = listen_first(res, wildcard, &last, addr, sizeof addr, &p);
    freeaddrinfo(res);
    if (s >= 0) {
      snprintf(text, sizeof text, "ok %s %u", addr, p);
      reply(id, s, text);
      return;
    }
  }
  if (r != 0 && !wildcard) {
    char text[512];
    snprintf(text, sizeof text, "err ENOTFOUND cannot resolve %s: %s", host, gai_strerror(r));
    reply(id, -1, text);
    return;
  }
  fail(id, last, "listen");
}

int main(void) {
  /* Children are never waited for. */
  struct sigaction sa = {.sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT};
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  char msg[MSG_MAX + 1];
  for (;;) {
    ssize_t n = recv(0, msg, MSG_MAX, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    msg[n] = '\0';
    char op, id[32], host[300], port[16];
    /* The host may be empty ("" binds every address): "L 7  8080". */
    if (sscanf(msg, "%c %31s %299s %15s", &op, id, host, port) != 4) {
      if (sscanf(msg, "%c %31s %15s", &op, id, port) != 3) continue;
      host[0] = '\0';
    }
    if (op != 'C' && op != 'L') continue;
    pid_t pid = fork();
    if (pid < 0) {
      fail(id, errno, "fork");
      continue;
    }
    if (pid > 0) continue;
    if (op == 'C') do_connect(id, host, port);
    else do_listen(id, host, port);
    _exit(0);
  }
}
