/**
 * sshd's name patterns (ssh_config(5) PATTERNS): `*` matches any run of characters, `?` one,
 * everything else itself, case-sensitive, against the whole name. A pattern list (Match
 * criteria) may negate entries with `!`: a negated entry that matches makes the whole list fail,
 * and otherwise one positive match is needed, so a list of negations alone matches nothing (as in
 * sshd, where `Match User !root` applies to no one: write `*,!root`).
 */

function compile(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${body}$`);
}

const cache = new Map<string, RegExp>();

/** One pattern, no negation (AllowUsers, DenyGroups... entries). */
export function matchPattern(name: string, pattern: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    re = compile(pattern);
    if (cache.size < 4096) cache.set(pattern, re);
  }
  return re.test(name);
}

/** 1: matched; 0: nothing matched; -1: a negated entry matched (sshd's match_pattern_list). */
export function matchPatternList(name: string, patterns: readonly string[]): 1 | 0 | -1 {
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    if (!matchPattern(name, negated ? raw.slice(1) : raw)) continue;
    if (negated) return -1;
    positive = true;
  }
  return positive ? 1 : 0;
}
