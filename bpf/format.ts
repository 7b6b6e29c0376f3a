/** Turning kernel values into what the events carry: open flag names, IP address strings. */

const accessModes = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'];

/** x86-64 values (octal, as in <asm-generic/fcntl.h>); combined flags first. */
const flagBits: [number, string][] = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o20000, 'O_ASYNC'],
  [0o40000, 'O_DIRECT'],
  [0o100000, 'O_LARGEFILE'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
];
const O_DSYNC = 0o10000;
const O_SYNC_BIT = 0o4000000;
const O_DIRECTORY = 0o200000;
const O_NOFOLLOW = 0o400000;
const O_TMPFILE_BIT = 0o20000000;

/** ["O_RDONLY", "O_CLOEXEC", ...]: the access mode first, then each flag set. */
export function openFlagNames(flags: number): string[] {
  const names = [accessModes[flags & 3] ?? 'O_ACCMODE'];
  for (const [bit, name] of flagBits) if (flags & bit) names.push(name);
  if (flags & O_SYNC_BIT) names.push('O_SYNC');
  else if (flags & O_DSYNC) names.push('O_DSYNC');
  if (flags & O_TMPFILE_BIT) names.push('O_TMPFILE');
  else if (flags & O_DIRECTORY) names.push('O_DIRECTORY');
  if (flags & O_NOFOLLOW) names.push('O_NOFOLLOW');
  return names;
}

export function ipv4String(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text: lowercase, the longest run (>= 2) of zero groups as "::", v4-mapped dotted. */
export function ipv6String(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${ipv4String(b.subarray(12, 16))}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
