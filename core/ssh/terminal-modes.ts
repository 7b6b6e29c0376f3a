/**
 * The terminal modes of a pty-req (RFC 4254 section 8, IUTF8 from RFC 8160). ssh2 hands them over
 * by name; the launcher applies them by opcode (core/launch/launcher.c), so they travel as
 * (opcode, value) pairs in the order the client sent them.
 */

/** One encoded terminal mode: the RFC's opcode byte and its uint32 value. */
export interface TerminalMode {
  opcode: number;
  value: number;
}

/** Opcodes by ssh2's names (its TERMINAL_MODE table, which are the RFC's names). */
const OPCODES: Readonly<Record<string, number>> = {
  VINTR: 1,
  VQUIT: 2,
  VERASE: 3,
  VKILL: 4,
  VEOF: 5,
  VEOL: 6,
  VEOL2: 7,
  VSTART: 8,
  VSTOP: 9,
  VSUSP: 10,
  VDSUSP: 11,
  VREPRINT: 12,
  VWERASE: 13,
  VLNEXT: 14,
  VFLUSH: 15,
  VSWTCH: 16,
  VSTATUS: 17,
  VDISCARD: 18,
  IGNPAR: 30,
  PARMRK: 31,
  INPCK: 32,
  ISTRIP: 33,
  INLCR: 34,
  IGNCR: 35,
  ICRNL: 36,
  IUCLC: 37,
  IXON: 38,
  IXANY: 39,
  IXOFF: 40,
  IMAXBEL: 41,
  IUTF8: 42,
  ISIG: 50,
  ICANON: 51,
  XCASE: 52,
  ECHO: 53,
  ECHOE: 54,
  ECHOK: 55,
  ECHONL: 56,
  NOFLSH: 57,
  TOSTOP: 58,
  IEXTEN: 59,
  ECHOCTL: 60,
  ECHOKE: 61,
  PENDIN: 62,
  OPOST: 70,
  OLCUC: 71,
  ONLCR: 72,
  OCRNL: 73,
  ONOCR: 74,
  ONLRET: 75,
  CS7: 90,
  CS8: 91,
  PARENB: 92,
  PARODD: 93,
  TTY_OP_ISPEED: 128,
  TTY_OP_OSPEED: 129,
};

/** More than any client sends (OpenSSH: about 60); a bound on what reaches the launcher. */
export const MAX_TERMINAL_MODES = 128;

/**
 * The modes ssh2 parsed, as pairs. Unknown names and values that are not uint32 are dropped:
 * a client's bad modes never stop its session, they are just not applied.
 */
export function terminalModes(byName: Readonly<Record<string, unknown>> | undefined): TerminalMode[] {
  const out: TerminalMode[] = [];
  if (!byName) return out;
  for (const [name, value] of Object.entries(byName)) {
    const opcode = OPCODES[name];
    if (opcode === undefined || typeof value !== 'number') continue;
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) continue;
    out.push({ opcode, value });
    if (out.length === MAX_TERMINAL_MODES) break;
  }
  return out;
}

/** The launcher's --tty-modes argument: per mode two hex digits of opcode, eight of value. */
export function encodeTerminalModes(modes: readonly TerminalMode[]): string {
  return modes
    .map((m) => m.opcode.toString(16).padStart(2, '0') + m.value.toString(16).padStart(8, '0'))
    .join('');
}
