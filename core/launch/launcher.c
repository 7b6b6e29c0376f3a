/*
 * sshtrail-launch: the one step between the server and a session's shell or command.
 *
 *   sshtrail-launch [--cgroup DIR] [--uid N --gid N [--groups G1,G2,...]] [--cwd DIR]
 *                   [--argv0 NAME] [--tty-env NAME] [--tty-modes HEX] -- PROGRAM [ARG...]
 *
 * In this order, so that nothing the session runs escapes its cgroup or keeps the server's
 * privileges: join the cgroup (as root, before anything else), set supplementary groups, gid,
 * uid, change directory, exec. node-pty's own uid/gid options keep the server's supplementary
 * groups, which is why this step exists. Any failure before exec exits 126 (127 if the program
 * cannot be executed) with one line on stderr: a session must never start half-confined.
 * --tty-env NAME sets NAME to the terminal's path when stdin is one (SSH_TTY: the server cannot
 * know the PTY's name before node-pty has created it). --tty-modes applies the client's terminal
 * modes (pty-req, hex-encoded: tty-modes.c) to stdin when it is a terminal, as sshd does before
 * it starts the shell; a malformed value is ignored, never fatal.
 *
 * Before anything else, every descriptor but 0-2 is closed: whatever the server (or whoever
 * started the server) holds without close-on-exec, another session's PTY master above all, must
 * never reach a login's processes. The umask is set to 022, as sshd leaves it, rather than
 * inherited from the server, and the nice value to 0, as sessions have under sshd, rather than the
 * server's raised priority.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "tty-modes.h"

#define MAX_GROUPS 1024

static void die(int code, const char *what, const char *arg) {
  fprintf(stderr, "sshtrail-launch: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
  exit(code);
}

static void usage(void) {
  fprintf(stderr,
          "usage: sshtrail-launch [--cgroup DIR] [--uid N --gid N [--groups G,...]] [--cwd DIR] "
          "[--argv0 NAME] [--tty-env NAME] [--tty-modes HEX] -- PROGRAM [ARG...]\n");
  exit(126);
}

static unsigned long parse_id(const char *s) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v > 0xfffffffeUL) {
    fprintf(stderr, "sshtrail-launch: not a valid id: %s\n", s);
    exit(126);
  }
  return v;
}

/* Closes every descriptor from 3 up. close_range(2) (Linux 5.9+) in one call; otherwise the
 * descriptors /proc/self/fd lists; otherwise every number up to the descriptor limit. */
static void close_inherited(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    int self = dirfd(d);
    int fds[1024];
    size_t n = 0;
    struct dirent *e;
    /* Collect first: closing while reading the directory would change it under readdir. */
    while ((e = readdir(d)) && n < sizeof fds / sizeof fds[0]) {
      char *end;
      long fd = strtol(e->d_name, &end, 10);
      if (*end == '\0' && fd > 2 && fd != self) fds[n++] = (int)fd;
    }
    int complete = e == NULL;
    closedir(d);
    for (size_t k = 0; k < n; k++) close(fds[k]);
    if (complete) return;
  }
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 1 << 20) max = 1 << 20;
  for (long fd = 3; fd < max; fd++) close((int)fd);
}

static void join_cgroup(const char *dir) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) {
    errno = ENAMETOOLONG;
    die(126, "cgroup path", dir);
  }
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die(126, "cannot open", path);
  /* "0" means the writing process itself. */
  if (write(fd, "0\n", 2) != 2) die(126, "cannot join cgroup", dir);
  close(fd);
}

int main(int argc, char **argv) {
  const char *cgroup = NULL, *cwd = NULL, *argv0 = NULL, *groups = NULL, *ttyenv = NULL;
  const char *ttymodes = NULL;
  long uid = -1, gid = -1;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (i + 1 >= argc) usage();
    if (strcmp(a, "--cgroup") == 0) cgroup = argv[++i];
    else if (strcmp(a, "--uid") == 0) uid = (long)parse_id(argv[++i]);
    else if (strcmp(a, "--gid") == 0) gid = (long)parse_id(argv[++i]);
    else if (strcmp(a, "--groups") == 0) groups = argv[++i];
    else if (strcmp(a, "--cwd") == 0) cwd = argv[++i];
    else if (strcmp(a, "--argv0") == 0) argv0 = argv[++i];
    else if (strcmp(a, "--tty-env") == 0) ttyenv = argv[++i];
    else if (strcmp(a, "--tty-modes") == 0) ttymodes = argv[++i];
    else usage();
  }
  if (i >= argc) usage();
  if ((uid < 0) != (gid < 0)) usage();

  close_inherited();
  umask(022);
  /* The server runs with a raised priority (core/sys/priority.ts); a session gets the default, as
   * under sshd. Failure only leaves the session favoured, so it is not fatal. */
  if (setpriority(PRIO_PROCESS, 0, 0) != 0) perror("sshtrail-launch: setpriority");

  if (cgroup) join_cgroup(cgroup);

  if (uid >= 0) {
    gid_t list[MAX_GROUPS];
    size_t n = 0;
    if (groups && *groups) {
      char *copy = strdup(groups), *save = NULL;
      if (!copy) die(126, "out of memory", NULL);
      for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == MAX_GROUPS) {
          fprintf(stderr, "sshtrail-launch: too many groups\n");
          exit(126);
        }
        list[n++] = (gid_t)parse_id(tok);
      }
      free(copy);
    }
    if (setgroups(n, list) != 0) die(126, "setgroups", NULL);
    if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) die(126, "setresgid", NULL);
    if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) die(126, "setresuid", NULL);
    /* Paranoia: a dropped process must not be able to regain root. */
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
      fprintf(stderr, "sshtrail-launch: privileges were not dropped\n");
      exit(126);
    }
  }

  if (cwd && chdir(cwd) != 0 && chdir("/") != 0) die(126, "chdir", cwd);

  /* Before the shell reads its first byte: bash, for one, takes its erase character from the
   * terminal at start-up. */
  if (ttymodes) (void)apply_tty_modes(0, ttymodes);

  if (ttyenv) {
    const char *tty = ttyname(0);
    if (tty && setenv(ttyenv, tty, 1) != 0) die(126, "setenv", ttyenv);
  }

  const char *program = argv[i];
  if (argv0) argv[i] = (char *)argv0;
  execvp(program, &argv[i]);
  die(127, "cannot execute", program);
  return 127;
}
