/*
 * sshtrail-bench-workload: the tight loops bench/enhanced.ts times (a shell loop would time the
 * shell). Prints the loop's own wall time in nanoseconds on stdout.
 *   exec N         N fork+execve of /bin/true, each waited for
 *   open N PATH    N open+close of PATH
 *   connect N      N TCP connects to a listener on 127.0.0.1 it owns (accepted and closed)
 *   opens N PATH FLAGS...  for each FLAGS (ro, rw, ro-keep: opened and left open), N opens of PATH
 *                  with those flags, closed after each unless -keep (a failed open is counted, not
 *                  fatal: the test's missing paths); prints nothing but the time
 *   open-many N PREFIX  N opens of PREFIX0, PREFIX1, ... (each path once: nothing the kernel can
 *                  count as a repeat; missing paths fail, which is not fatal)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(const char *what) {
  perror(what);
  exit(1);
}

static void run_exec(long n) {
  char *argv[] = {"true", NULL};
  char *envp[] = {NULL};
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
      execve("/bin/true", argv, envp);
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) fail("waitpid");
  }
}

static void run_open(long n, const char *path) {
  for (long i = 0; i < n; i++) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open");
    close(fd);
  }
}

/* The aggregation test's loop: several flag sets, one after another, from one process. */
static void run_opens(long n, const char *path, int nflags, char **flags) {
  for (int f = 0; f < nflags; f++) {
    int keep = strstr(flags[f], "-keep") != NULL;
    int how = strncmp(flags[f], "rw", 2) == 0 ? O_RDWR : O_RDONLY;
    for (long i = 0; i < n; i++) {
      int fd = open(path, how | O_CLOEXEC);
      if (fd >= 0 && !keep) close(fd);
    }
  }
}

static void run_open_many(long n, const char *prefix) {
  char path[4096];
  for (long i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s%ld", prefix, i);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
  }
}

static void run_connect(long n) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 128) ||
      getsockname(lfd, (struct sockaddr *)&addr, &len))
    fail("listener");
  /* Reset instead of FIN: no TIME_WAIT, so repeated runs do not exhaust ephemeral ports. */
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  for (long i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) fail("connect");
    int afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (afd < 0) fail("accept");
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
    close(afd);
  }
  close(lfd);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: sshtrail-bench-workload exec|open|connect N [PATH]\n");
    return 2;
  }
  long n = strtol(argv[2], NULL, 10);
  long long t0 = now_ns();
  if (strcmp(argv[1], "exec") == 0) run_exec(n);
  else if (strcmp(argv[1], "open") == 0 && argc > 3) run_open(n, argv[3]);
  else if (strcmp(argv[1], "connect") == 0) run_connect(n);
  else if (strcmp(argv[1], "open-many") == 0 && argc > 3) run_open_many(n, argv[3]);
  else if (strcmp(argv[1], "opens") == 0 && argc > 4) run_opens(n, argv[3], argc - 4, argv + 4);
  else {
    fprintf(stderr, "sshtrail-bench-workload: unknown workload %s\n", argv[1]);
    return 2;
  }
  printf("%lld\n", now_ns() - t0);
  return 0;
}
