/* Applies an SSH client's terminal modes to the session's terminal (tty-modes.c). */
#ifndef SSHTRAIL_TTY_MODES_H
#define SSHTRAIL_TTY_MODES_H

/* The most modes one --tty-modes argument may carry (core/ssh/terminal-modes.ts caps it too). */
#define TTY_MODES_MAX 128

/* `hex` is the RFC 4254 section 8 encoding written out in hex: per mode two digits of opcode and
 * eight of value. Returns the number of modes applied, or -1 when `hex` is malformed (nothing is
 * applied) or `fd` is not a terminal that takes them. Never fails the caller: a client's bad modes
 * must not stop its session. */
int apply_tty_modes(int fd, const char *hex);

#endif
