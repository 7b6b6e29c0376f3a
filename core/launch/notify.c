/*
 * sshtrail-notify: sends one sd_notify(3) message for the server, which runs on Node (no unix
 * datagram sockets there).
 *
 *   NOTIFY_SOCKET=/run/systemd/notify sshtrail-notify PID 'READY=1'
 *
 * The datagram goes to $NOTIFY_SOCKET (a path, or an abstract name starting with '@'). As root it
 * carries SCM_CREDENTIALS naming PID (the server), as sd_pid_notify() does, so that systemd
 * attributes it to the unit's main process and the unit needs no NotifyAccess=all; without the
 * privilege for that it is sent with the helper's own credentials. Exit 0 when sent, 1 otherwise
 * (with one line on stderr); no NOTIFY_SOCKET is nothing to do (0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: sshtrail-notify PID MESSAGE\n");
    return 2;
  }
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) return 0;
  char *end;
  long pid = strtol(argv[1], &end, 10);
  if (*argv[1] == '\0' || *end != '\0' || pid <= 0) {
    fprintf(stderr, "sshtrail-notify: not a pid: %s\n", argv[1]);
    return 2;
  }
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
    fprintf(stderr, "sshtrail-notify: NOTIFY_SOCKET is not a socket path: %s\n", path);
    return 1;
  }
  memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = '\0';
  socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("sshtrail-notify: socket");
    return 1;
  }
  struct iovec iov = {.iov_base = argv[2], .iov_len = strlen(argv[2])};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(struct ucred))];
  } control;
  memset(&control, 0, sizeof(control));
  struct msghdr msg = {.msg_name = &sa, .msg_namelen = salen, .msg_iov = &iov, .msg_iovlen = 1};
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof(control.buf);
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
  struct ucred cred = {.pid = (pid_t)pid, .uid = getuid(), .gid = getgid()};
  memcpy(CMSG_DATA(c), &cred, sizeof(cred));
  ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  if (n < 0 && errno == EPERM) {
    // Not allowed to speak for PID: send as ourselves.
    msg.msg_control = NULL;
    msg.msg_controllen = 0;
    n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  }
  if (n < 0) {
    fprintf(stderr, "sshtrail-notify: cannot send to %s: %s\n", path, strerror(errno));
    close(fd);
    return 1;
  }
  close(fd);
  return 0;
}
