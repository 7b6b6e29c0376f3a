/*
 * The terminal modes of a pty-req (RFC 4254 section 8; IUTF8 from RFC 8160), applied as sshd
 * applies them: control characters (255 means "disabled"), boolean input, local, output and
 * control flags (any non-zero value sets), and the line speeds. Opcodes this system has no
 * equivalent for (VDSUSP, VSTATUS, ...) and unknown ones below 160 are skipped; opcode 0 ends the
 * list, 160 and above too (the RFC leaves them undefined and has parsing stop there).
 *
 * CS7 and CS8 both name the character size. A client that derives each from its own c_cflag bits
 * sets both whatever the size, the two masks sharing a bit (OpenSSH does: docs/design.md), so CS8
 * set wins and CS7 counts only when CS8 is not set.
 */
#define _GNU_SOURCE
#include "tty-modes.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>
#include <unistd.h> /* _POSIX_VDISABLE */

enum field { IFLAG, LFLAG, OFLAG, CFLAG };

struct flag_mode {
  uint8_t opcode;
  enum field field;
  tcflag_t bit;
};

static const struct flag_mode flag_modes[] = {
    {30, IFLAG, IGNPAR},  {31, IFLAG, PARMRK},  {32, IFLAG, INPCK},  {33, IFLAG, ISTRIP},
    {34, IFLAG, INLCR},   {35, IFLAG, IGNCR},   {36, IFLAG, ICRNL},  {37, IFLAG, IUCLC},
    {38, IFLAG, IXON},    {39, IFLAG, IXANY},   {40, IFLAG, IXOFF},  {41, IFLAG, IMAXBEL},
    {42, IFLAG, IUTF8},   {50, LFLAG, ISIG},    {51, LFLAG, ICANON}, {52, LFLAG, XCASE},
    {53, LFLAG, ECHO},    {54, LFLAG, ECHOE},   {55, LFLAG, ECHOK},  {56, LFLAG, ECHONL},
    {57, LFLAG, NOFLSH},  {58, LFLAG, TOSTOP},  {59, LFLAG, IEXTEN}, {60, LFLAG, ECHOCTL},
    {61, LFLAG, ECHOKE},  {62, LFLAG, PENDIN},  {70, OFLAG, OPOST},  {71, OFLAG, OLCUC},
    {72, OFLAG, ONLCR},   {73, OFLAG, OCRNL},   {74, OFLAG, ONOCR},  {75, OFLAG, ONLRET},
    {92, CFLAG, PARENB},  {93, CFLAG, PARODD},
};

struct char_mode {
  uint8_t opcode;
  uint8_t index; /* into c_cc */
};

static const struct char_mode char_modes[] = {
    {1, VINTR},  {2, VQUIT},  {3, VERASE},    {4, VKILL},    {5, VEOF},     {6, VEOL},    {7, VEOL2},
    {8, VSTART}, {9, VSTOP},  {10, VSUSP},    {12, VREPRINT}, {13, VWERASE}, {14, VLNEXT}, {18, VDISCARD},
};

struct speed {
  uint32_t baud;
  speed_t code;
};

static const struct speed speeds[] = {
    {0, B0},           {50, B50},         {75, B75},         {110, B110},       {134, B134},
    {150, B150},       {200, B200},       {300, B300},       {600, B600},       {1200, B1200},
    {1800, B1800},     {2400, B2400},     {4800, B4800},     {9600, B9600},     {19200, B19200},
    {38400, B38400},   {57600, B57600},   {115200, B115200}, {230400, B230400}, {460800, B460800},
    {500000, B500000}, {576000, B576000}, {921600, B921600}, {1000000, B1000000},
    {1152000, B1152000}, {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000},
    {3000000, B3000000}, {3500000, B3500000}, {4000000, B4000000},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define OP_END 0
#define OP_CS7 90
#define OP_CS8 91
#define OP_ISPEED 128
#define OP_OSPEED 129
#define OP_UNDEFINED 160 /* and above */

/* One hex digit's value, or -1. */
static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* `n` hex digits at `s` (all known to be present); 0 when one is not a hex digit. */
static int read_hex(const char *s, int n, uint32_t *out) {
  uint32_t v = 0;
  for (int k = 0; k < n; k++) {
    int d = hex_digit(s[k]);
    if (d < 0) return 0;
    v = v << 4 | (uint32_t)d;
  }
  *out = v;
  return 1;
}

static tcflag_t *field_of(struct termios *t, enum field f) {
  switch (f) {
    case IFLAG: return &t->c_iflag;
    case LFLAG: return &t->c_lflag;
    case OFLAG: return &t->c_oflag;
    default: return &t->c_cflag;
  }
}

static int speed_code(uint32_t baud, speed_t *out) {
  for (size_t k = 0; k < COUNT(speeds); k++) {
    if (speeds[k].baud == baud) {
      *out = speeds[k].code;
      return 1;
    }
  }
  return 0;
}

/* Applies one mode to `t`; 1 if this system has it and the value is valid. */
static int apply_one(struct termios *t, uint8_t opcode, uint32_t value, int *cs7, int *cs8) {
  for (size_t k = 0; k < COUNT(char_modes); k++) {
    if (char_modes[k].opcode != opcode) continue;
    if (value > 255) return 0;
    t->c_cc[char_modes[k].index] = value == 255 ? _POSIX_VDISABLE : (cc_t)value;
    return 1;
  }
  for (size_t k = 0; k < COUNT(flag_modes); k++) {
    if (flag_modes[k].opcode != opcode) continue;
    tcflag_t *f = field_of(t, flag_modes[k].field);
    if (value) *f |= flag_modes[k].bit;
    else *f &= ~flag_modes[k].bit;
    return 1;
  }
  speed_t code;
  switch (opcode) {
    case OP_CS7: *cs7 = value != 0; return 1;
    case OP_CS8: *cs8 = value != 0; return 1;
    case OP_ISPEED: return speed_code(value, &code) && cfsetispeed(t, code) == 0;
    case OP_OSPEED: return speed_code(value, &code) && cfsetospeed(t, code) == 0;
    default: return 0;
  }
}

int apply_tty_modes(int fd, const char *hex) {
  size_t len = strnlen(hex, TTY_MODES_MAX * 10 + 1);
  if (len % 10 != 0 || len > TTY_MODES_MAX * 10) return -1;
  /* Validate everything before touching the terminal: a malformed argument applies nothing. */
  for (size_t p = 0; p < len; p++) {
    if (hex_digit(hex[p]) < 0) return -1;
  }
  struct termios t;
  if (tcgetattr(fd, &t) != 0) return -1;
  int applied = 0, cs7 = -1, cs8 = -1;
  for (size_t p = 0; p < len; p += 10) {
    uint32_t opcode, value;
    if (!read_hex(hex + p, 2, &opcode) || !read_hex(hex + p + 2, 8, &value)) return -1;
    if (opcode == OP_END || opcode >= OP_UNDEFINED) break;
    applied += apply_one(&t, (uint8_t)opcode, value, &cs7, &cs8);
  }
  if (cs8 == 1 || (cs7 == 1 && cs8 != 1)) {
    t.c_cflag &= ~CSIZE;
    t.c_cflag |= cs8 == 1 ? CS8 : CS7;
  }
  if (applied == 0) return 0;
  return tcsetattr(fd, TCSANOW, &t) == 0 ? applied : -1;
}
