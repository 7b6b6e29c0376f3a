/*
 * sshtrail-launch: the one step between the server and a session's shell or command.
 *
 *   sshtrail-launch [--cgroup DIR] [--uid N --gid N [--groups G1,G2,...]] [--cwd DIR]
 *                   [--loginuid N] [--report-fd FD] [--utmp-user NAME --utmp-host ADDR]
 *                   [--argv0 NAME] [--tty-env NAME] [--tty-modes HEX] -- PROGRAM [ARG...]
 *   sshtrail-launch --utmp-logout LINE PID
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
 *
 * --loginuid N writes the login's uid to /proc/self/loginuid (as root, after joining the cgroup):
 * the kernel then gives the process a new audit session id, which auditd's auid/ses and every
 * process the session starts carry. --report-fd FD (a socket the server passes, the one
 * descriptor above 2 kept open) then gets one line, "ok SESSIONID" or "fail ERRNO-TEXT", and the
 * launcher waits until the server answers or closes it: the server emits session.start, with
 * that id, before the login's program runs. Failing to set the loginuid is not fatal (a kernel
 * without CONFIG_AUDIT, or a loginuid already set and immutable): the server logs it.
 * --utmp-user NAME --utmp-host ADDR write the login's utmp, wtmp and lastlog records for the
 * terminal on stdin (utmp.c); --utmp-logout LINE PID, run by the server at the session's end (or
 * for a session a crash left open), writes the logout.
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
#include "utmp.h"

#define MAX_GROUPS 1024

static void die(int code, const char *what, const char *arg) {
  fprintf(stderr, "sshtrail-launch: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
  exit(code);
}

static void usage(void) {
  fprintf(stderr,
          "usage: sshtrail-launch [--cgroup DIR] [--uid N --gid N [--groups G,...]] [--cwd DIR] "
          "[--loginuid N] [--report-fd FD] [--utmp-user NAME --utmp-host ADDR] "
          "[--argv0 NAME] [--tty-env NAME] [--tty-modes HEX] -- PROGRAM [ARG...]\n"
          "       sshtrail-launch --utmp-logout LINE PID\n");
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

/* Closes every descriptor from 3 up but `keep` (-1: none). close_range(2) (Linux 5.9+) in one or
 * two calls; otherwise the descriptors /proc/self/fd lists; otherwise every number up to the
 * descriptor limit. */
static void close_inherited(int keep) {
#ifdef SYS_close_range
  if (keep < 3) {
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
  } else if ((keep == 3 || syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) == 0) &&
             syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0) {
    return;
  }
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
      if (*end == '\0' && fd > 2 && fd != self && fd != keep) fds[n++] = (int)fd;
    }
    int complete = e == NULL;
    closedir(d);
    for (size_t k = 0; k < n; k++) close(fds[k]);
    if (complete) return;
  }
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 1 << 20) max = 1 << 20;
  for (long fd = 3; fd < max; fd++)
    if (fd != keep) close((int)fd);
}

/* Sets the audit login uid; returns 0 or the errno. */
static int set_loginuid(unsigned long uid) {
  int fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[16];
  int n = snprintf(buf, sizeof buf, "%lu", uid);
  int e = write(fd, buf, (size_t)n) == n ? 0 : errno;
  close(fd);
  return e;
}

/* The kernel's audit session id of this process, or "" when it has none to give. */
static void read_sessionid(char *out, size_t size) {
  out[0] = '\0';
  int fd = open("/proc/self/sessionid", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, out, size - 1);
  close(fd);
  out[n > 0 ? n : 0] = '\0';
  /* 4294967295 is AUDIT_SID_UNSET. */
  if (strspn(out, "0123456789") != strlen(out) || strcmp(out, "4294967295") == 0) out[0] = '\0';
}

/* Tells the server how setting the loginuid went and waits for its go (a byte, or the socket's
 * close). A server that went away is a close too: the session goes on. */
static void report(int fd, int loginuid_errno) {
  char line[128], sid[32];
  read_sessionid(sid, sizeof sid);
  int n;
  if (loginuid_errno) n = snprintf(line, sizeof line, "fail %s\n", strerror(loginuid_errno));
  else n = snprintf(line, sizeof line, "ok %s\n", sid[0] ? sid : "-");
  if (n > 0 && (size_t)n < sizeof line) {
    while (write(fd, line, (size_t)n) < 0 && errno == EINTR) {
    }
  }
  char go;
  while (read(fd, &go, 1) < 0 && errno == EINTR) {
  }
  close(fd);
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
  const char *ttymodes = NULL, *utmp_host = NULL;
  long uid = -1, gid = -1, loginuid = -1, report_fd = -1;
  const char *utmp_user = NULL;
  if (argc == 4 && strcmp(argv[1], "--utmp-logout") == 0)
    return utmp_logout(argv[2], (pid_t)parse_id(argv[3])) == 0 ? 0 : 1;
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
    else if (strcmp(a, "--loginuid") == 0) loginuid = (long)parse_id(argv[++i]);
    else if (strcmp(a, "--report-fd") == 0) report_fd = (long)parse_id(argv[++i]);
    else if (strcmp(a, "--utmp-host") == 0) utmp_host = argv[++i];
    else if (strcmp(a, "--utmp-user") == 0) utmp_user = argv[++i];
    else usage();
  }
  if (i >= argc) usage();
  if ((uid < 0) != (gid < 0)) usage();

  if (report_fd >= 0 && (report_fd < 3 || report_fd > 0x7fffffff)) usage();
  close_inherited((int)report_fd);
  umask(022);
  /* The server runs with a raised priority (core/sys/priority.ts); a session gets the default, as
   * under sshd. Failure only leaves the session favoured, so it is not fatal. */
  if (setpriority(PRIO_PROCESS, 0, 0) != 0) perror("sshtrail-launch: setpriority");

  if (cgroup) join_cgroup(cgroup);

  int loginuid_errno = loginuid >= 0 ? set_loginuid((unsigned long)loginuid) : 0;
  if (report_fd >= 0) report((int)report_fd, loginuid_errno);

  /* As root, before the privileges go: the records are root's files. Failure is the server's
   * to log at the end (a missing /var/run/utmp must not refuse a login). */
  if (utmp_host && utmp_user) (void)utmp_login(uid >= 0 ? (uid_t)uid : getuid(), utmp_user, utmp_host);

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
