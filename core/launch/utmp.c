/*
 * utmp, wtmp and lastlog records through glibc (pututxline, updwtmpx), so that who, w, last and
 * lastlog show sshtrail's logins as they show sshd's: OpenSSH's loginrec.c writes the same three
 * for a session with a terminal, and nothing for one without. The line is the terminal's path
 * without "/dev/", the id its last four characters, the host the client's address (sshd's
 * default, UseDNS no), the pid the session's process (the launcher becomes the login's shell).
 * docs/design.md, "utmp, wtmp and lastlog".
 */
#define _GNU_SOURCE
#include "utmp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <lastlog.h>
#include <paths.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmp.h>
#include <utmpx.h>

static void copy_field(char *dst, size_t size, const char *src) {
  /* utmp fields are not NUL-terminated when full (the destination was zeroed). */
  size_t n = strnlen(src, size);
  memcpy(dst, src, n);
}

static void set_id(struct utmpx *ut, const char *line) {
  size_t n = strlen(line);
  const char *tail = n > sizeof ut->ut_id ? line + n - sizeof ut->ut_id : line;
  copy_field(ut->ut_id, sizeof ut->ut_id, tail);
}

static void set_time(struct utmpx *ut) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  ut->ut_tv.tv_sec = (int32_t)tv.tv_sec;
  ut->ut_tv.tv_usec = (int32_t)tv.tv_usec;
}

static int write_lastlog(uid_t uid, const char *line, const char *host, time_t when) {
  int fd = open(_PATH_LASTLOG, O_RDWR | O_CLOEXEC);
  if (fd < 0) return -1;
  struct lastlog ll;
  memset(&ll, 0, sizeof ll);
  ll.ll_time = (int32_t)when;
  copy_field(ll.ll_line, sizeof ll.ll_line, line);
  copy_field(ll.ll_host, sizeof ll.ll_host, host);
  /* A sparse file indexed by uid. */
  off_t at = (off_t)uid * (off_t)sizeof ll;
  int ok = pwrite(fd, &ll, sizeof ll, at) == (ssize_t)sizeof ll;
  close(fd);
  return ok ? 0 : -1;
}

int utmp_login(uid_t uid, const char *user, const char *host) {
  const char *tty = ttyname(0);
  if (!tty) return -1;
  const char *line = strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;

  struct utmpx ut;
  memset(&ut, 0, sizeof ut);
  ut.ut_type = USER_PROCESS;
  ut.ut_pid = getpid();
  ut.ut_session = getsid(0);
  copy_field(ut.ut_line, sizeof ut.ut_line, line);
  set_id(&ut, line);
  copy_field(ut.ut_user, sizeof ut.ut_user, user);
  copy_field(ut.ut_host, sizeof ut.ut_host, host);
  struct in6_addr a6;
  struct in_addr a4;
  if (inet_pton(AF_INET, host, &a4) == 1) memcpy(ut.ut_addr_v6, &a4, sizeof a4);
  else if (inet_pton(AF_INET6, host, &a6) == 1) memcpy(ut.ut_addr_v6, &a6, sizeof a6);
  set_time(&ut);

  int failed = 0;
  setutxent();
  if (!pututxline(&ut)) failed++;
  endutxent();
  updwtmpx(_PATH_WTMP, &ut);
  if (write_lastlog(uid, line, host, ut.ut_tv.tv_sec) != 0) failed++;
  return failed == 2 ? -1 : 0;
}

int utmp_logout(const char *line, pid_t pid) {
  struct utmpx key, *found;
  memset(&key, 0, sizeof key);
  copy_field(key.ut_line, sizeof key.ut_line, line);
  setutxent();
  found = getutxline(&key);
  if (!found || found->ut_type != USER_PROCESS || found->ut_pid != pid) {
    endutxent();
    return -1;
  }
  struct utmpx ut = *found;
  ut.ut_type = DEAD_PROCESS;
  memset(ut.ut_user, 0, sizeof ut.ut_user);
  memset(ut.ut_host, 0, sizeof ut.ut_host);
  memset(ut.ut_addr_v6, 0, sizeof ut.ut_addr_v6);
  set_time(&ut);
  int ok = pututxline(&ut) != NULL;
  endutxent();
  /* last(1) closes the login on this line with a record without a user. */
  updwtmpx(_PATH_WTMP, &ut);
  return ok ? 0 : -1;
}
