#ifndef SSHTRAIL_UTMP_H
#define SSHTRAIL_UTMP_H
#include <sys/types.h>

/* The login records of the terminal on stdin (utmp, wtmp, lastlog), as sshd writes them for a PTY
 * session; 0, or -1 when stdin is not a terminal or no record could be written. */
int utmp_login(uid_t uid, const char *user, const char *host);

/* The logout of the login on LINE (e.g. "pts/3") whose process was PID: utmp marked dead and a
 * logout appended to wtmp, only while utmp still shows that login (the terminal may already
 * serve a newer one). 0 when written. */
int utmp_logout(const char *line, pid_t pid);

#endif
