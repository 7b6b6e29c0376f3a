/**
 * Just enough of Splunk's search-time field processing to check TA-sshtrail without a Splunk
 * server (none can be installed here): .conf parsing, KV_MODE=json extraction as Splunk names the
 * fields (nested `a.b`, arrays `a{}` as multivalue), FIELDALIAS (`AS`, `ASNEW`) then EVAL in
 * Splunk's order (every EVAL sees the fields as they were before the first EVAL), eval's
 * three-valued logic and only the eval functions the add-on uses (any other is an error), and
 * eventtype searches made of field=value terms, parentheses, OR, NOT and implicit AND.
 * Values are what Splunk holds: strings (numbers compare numerically when both sides are
 * numeric), multivalue arrays, or null.
 */

export type Conf = Map<string, Map<string, string>>;

/** A .conf file's stanzas, and the keys it sets twice (Splunk keeps the last; a mistake here). */
export interface ParsedConf {
  stanzas: Conf;
  duplicates: string[];
}

/**
 * Splunk's .conf syntax: `[stanza]` headers (any text inside the brackets: `[sourcetype]`,
 * `[source::...audit.ndjson]`, `[eventtype=x]`, `[]`), `key = value` lines, `#` comments on lines
 * of their own (a `#` later in a line is part of the value), a backslash at the end of a line
 * continuing the value on the next (the line break is kept), keys before any stanza in
 * [default], and a key set twice in one stanza keeping its last value.
 */
export function parseConfFile(text: string): ParsedConf {
  const stanzas: Conf = new Map();
  const duplicates: string[] = [];
  const stanza = (name: string) => {
    let m = stanzas.get(name);
    if (!m) {
      m = new Map();
      stanzas.set(name, m);
    }
    return m;
  };
  let name = 'default';
  let cur: Map<string, string> | undefined;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)}\n${lines[++i]}`;
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const st = /^\[(.*)\]$/.exec(t);
    if (st) {
      name = st[1] as string;
      cur = stanza(name);
      continue;
    }
    const eq = t.indexOf('=');
    if (eq < 0) throw new Error(`not a key = value line: ${t}`);
    cur ??= stanza(name);
    const key = t.slice(0, eq).trim();
    if (cur.has(key)) duplicates.push(`[${name}] ${key}`);
    cur.set(key, t.slice(eq + 1).trim());
  }
  return { stanzas, duplicates };
}

/** The stanzas of a .conf file that must not set a key twice. */
export function parseConf(text: string): Conf {
  const { stanzas, duplicates } = parseConfFile(text);
  if (duplicates.length > 0)
    throw new Error(`keys set twice (Splunk keeps the last): ${duplicates.join(', ')}`);
  return stanzas;
}

export type Value = string | string[] | null;
export type Fields = Map<string, Value>;

/** KV_MODE=json: leaves become fields, nested objects dotted, arrays `name{}` (multivalue). */
export function extractJson(event: Record<string, unknown>): Fields {
  const f: Fields = new Map();
  const put = (k: string, v: string) => {
    const prev = f.get(k);
    if (prev === undefined || prev === null) f.set(k, v);
    else f.set(k, [...(Array.isArray(prev) ? prev : [prev]), v]);
  };
  const walk = (prefix: string, v: unknown) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) for (const x of v) walk(`${prefix}{}`, x);
    else if (typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        walk(prefix ? `${prefix}.${k}` : k, x);
    else put(prefix, String(v));
  };
  walk('', event);
  return f;
}

/**
 * FIELDALIAS-* (`a AS b c ASNEW d`), then every EVAL-* against the pre-EVAL fields, each
 * replacing the field of its name (a null result removes it). Since Splunk 7.2.4, `AS` makes the
 * alias the source's value or, when the source has none, removes it; `ASNEW` sets the alias only
 * when the event has no field of that name.
 */
export function applyProps(stanza: Map<string, string>, input: Fields): Fields {
  const f = new Map(input);
  for (const [k, v] of stanza) {
    if (!k.startsWith('FIELDALIAS-')) continue;
    const parts = v.split(/\s+/);
    if (parts.length % 3 !== 0) throw new Error(`${k}: expected "src AS dest" triples: ${v}`);
    for (let i = 0; i < parts.length; i += 3) {
      const [src, op, dest] = [
        parts[i] as string,
        (parts[i + 1] as string).toUpperCase(),
        parts[i + 2] as string,
      ];
      const val = input.get(src) ?? null;
      if (op === 'AS') {
        if (val === null) f.delete(dest);
        else f.set(dest, val);
      } else if (op === 'ASNEW') {
        if (val !== null && (f.get(dest) ?? null) === null) f.set(dest, val);
      } else throw new Error(`${k}: expected "src AS dest" or "src ASNEW dest": ${v}`);
    }
  }
  const before = new Map(f);
  for (const [k, v] of stanza) {
    if (!k.startsWith('EVAL-')) continue;
    const r = evaluate(v, before);
    if (r === null) f.delete(k.slice(5));
    else f.set(k.slice(5), r);
  }
  return f;
}

// ---- eval expressions -------------------------------------------------------------------------

type Tok = { t: 'num' | 'str' | 'field' | 'id' | 'op'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\') j++;
        v += s[j];
        j++;
      }
      if (j >= s.length) throw new Error(`unterminated string in ${s}`);
      out.push({ t: 'str', v });
      i = j + 1;
    } else if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new Error(`unterminated field name in ${s}`);
      out.push({ t: 'field', v: s.slice(i + 1, j) });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(s.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.{}]*/.exec(s.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = s.slice(i, i + 2);
      if (['==', '!=', '>=', '<='].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if ('()=,<>+-*/.'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else throw new Error(`unexpected ${c} in ${s}`);
    }
  }
  return out;
}

type Node =
  | { k: 'lit'; v: Value | boolean }
  | { k: 'field'; name: string }
  | { k: 'call'; fn: string; args: Node[] }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'not'; a: Node }
  | { k: 'neg'; a: Node };

function parse(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v: string) => peek()?.t === 'op' && peek()?.v === v;
  const isWord = (v: string) => peek()?.t === 'id' && peek()?.v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new Error(`expected ${v} at token ${p} in ${src}`);
    p++;
  };
  const binary = (next: () => Node, ops: string[], words = false): Node => {
    let a = next();
    for (;;) {
      const t = peek();
      if (!t || !(words ? t.t === 'id' : t.t === 'op') || !ops.includes(t.v)) return a;
      p++;
      a = { k: 'bin', op: t.v, a, b: next() };
    }
  };
  const primary = (): Node => {
    const t = toks[p++];
    if (!t) throw new Error(`unexpected end of ${src}`);
    if (t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'field') return { k: 'field', name: t.v };
    if (t.t === 'op' && t.v === '(') {
      const e = or();
      expect(')');
      return e;
    }
    if (t.t === 'id') {
      if (isOp('(')) {
        p++;
        const args: Node[] = [];
        if (!isOp(')'))
          for (;;) {
            args.push(or());
            if (isOp(',')) p++;
            else break;
          }
        expect(')');
        return { k: 'call', fn: t.v.toLowerCase(), args };
      }
      return { k: 'field', name: t.v };
    }
    throw new Error(`unexpected ${t.v} in ${src}`);
  };
  const unary = (): Node => {
    if (isOp('-')) {
      p++;
      return { k: 'neg', a: unary() };
    }
    return primary();
  };
  const mul = () => binary(unary, ['*', '/']);
  const add = () => binary(mul, ['+', '-']);
  const concat = () => binary(add, ['.']);
  const cmp = () => binary(concat, ['==', '=', '!=', '>=', '<=', '>', '<']);
  const not = (): Node => {
    if (isWord('NOT')) {
      p++;
      return { k: 'not', a: not() };
    }
    return cmp();
  };
  const and = () => binary(not, ['AND'], true);
  const or = (): Node => binary(and, ['OR'], true);
  const e = or();
  if (p !== toks.length) throw new Error(`trailing tokens in ${src}`);
  return e;
}

type V = Value | boolean;
const first = (v: V): string | boolean | null => (Array.isArray(v) ? (v[0] ?? null) : v);
const num = (v: V): number | null => {
  const x = first(v);
  return typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : null;
};

/** A comparison with a null side is null (neither true nor false), as in Splunk's eval. */
function compare(op: string, a: V, b: V): boolean | null {
  const x = first(a);
  const y = first(b);
  if (x === null || y === null) return null;
  if (typeof x === 'boolean' || typeof y === 'boolean') throw new Error(`comparison ${op} of a boolean`);
  const nx = num(a);
  const ny = num(b);
  const [l, r]: [number | string, number | string] =
    nx !== null && ny !== null ? [nx, ny] : [String(x), String(y)];
  switch (op) {
    case '==':
    case '=':
      return l === r;
    case '!=':
      return l !== r;
    case '>=':
      return l >= r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    default:
      return l < r;
  }
}

/** A condition: true, false or null (unknown); a string there is an error in Splunk. */
function cond(v: V, where: string): boolean | null {
  if (v === null || typeof v === 'boolean') return v;
  throw new Error(`${where} needs a boolean, got ${JSON.stringify(v)}`);
}

const fmt = (n: number): string => String(n);

function run(n: Node, f: Fields): V {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'field':
      return f.get(n.name) ?? null;
    case 'neg': {
      const x = num(run(n.a, f));
      return x === null ? null : fmt(-x);
    }
    case 'not': {
      const a = cond(run(n.a, f), 'NOT');
      return a === null ? null : !a;
    }
    case 'bin': {
      // Three-valued, as Splunk's eval: false AND null is false, true OR null is true.
      if (n.op === 'AND' || n.op === 'OR') {
        const a = cond(run(n.a, f), n.op);
        const b = cond(run(n.b, f), n.op);
        if (n.op === 'AND')
          return a === false || b === false ? false : a === null || b === null ? null : true;
        return a === true || b === true ? true : a === null || b === null ? null : false;
      }
      const a = run(n.a, f);
      const b = run(n.b, f);
      if (n.op === '.') {
        const x = first(a);
        const y = first(b);
        return x === null || y === null ? null : `${x}${y}`;
      }
      if ('+-*/'.includes(n.op)) {
        const x = num(a);
        const y = num(b);
        if (x === null || y === null) return null;
        return fmt(n.op === '+' ? x + y : n.op === '-' ? x - y : n.op === '*' ? x * y : x / y);
      }
      return compare(n.op, a, b);
    }
    case 'call':
      return call(n.fn, n.args, f);
  }
}

function call(fn: string, args: Node[], f: Fields): V {
  const arg = (i: number) => run(args[i] as Node, f);
  const str = (v: V): string | null => {
    const x = first(v);
    return x === null ? null : String(x);
  };
  switch (fn) {
    // if(X, Y, Z): Y when X is true, Z when it is false or null.
    case 'if':
      return cond(arg(0), 'if()') === true ? arg(1) : arg(2);
    // case(X1, Y1, X2, Y2, ...): the Y of the first true X; null when none is.
    case 'case':
      if (args.length % 2 !== 0) throw new Error('case() takes condition/value pairs');
      for (let i = 0; i < args.length; i += 2) if (cond(arg(i), 'case()') === true) return arg(i + 1);
      return null;
    case 'coalesce':
      for (let i = 0; i < args.length; i++) {
        const v = arg(i);
        if (v !== null) return v;
      }
      return null;
    case 'null':
      return null;
    case 'true':
      return true;
    case 'isnotnull':
      return arg(0) !== null;
    // match(str, regex): whether the regex matches anywhere in str (PCRE; these are JS-compatible).
    case 'match': {
      const s = str(arg(0));
      return s === null ? null : new RegExp(str(arg(1)) ?? '').test(s);
    }
    case 'mvjoin': {
      const v = arg(0);
      if (v === null) return null;
      return (Array.isArray(v) ? v : [String(v)]).join(str(arg(1)) ?? '');
    }
    // mvfind(mv, regex): the index of the first value matching, null when none does.
    case 'mvfind': {
      const v = arg(0);
      if (v === null) return null;
      const re = new RegExp(str(arg(1)) ?? '');
      const i = (Array.isArray(v) ? v : [String(v)]).findIndex((x) => re.test(x));
      return i < 0 ? null : String(i);
    }
    // replace(str, regex, replacement): every match replaced.
    case 'replace': {
      const s = str(arg(0));
      if (s === null) return null;
      return s.replace(new RegExp(str(arg(1)) ?? '', 'g'), str(arg(2)) ?? '');
    }
    default:
      throw new Error(`eval function ${fn}() is not modelled here: add it (with Splunk's meaning) first`);
  }
}

const compiled = new Map<string, Node>();
export function evaluate(expr: string, f: Fields): Value {
  let n = compiled.get(expr);
  if (!n) {
    n = parse(expr);
    compiled.set(expr, n);
  }
  const v = run(n, f);
  // A boolean is not a field value in Splunk: eval refuses to store one.
  if (typeof v === 'boolean') throw new Error(`eval gives a boolean, not a value: ${expr}`);
  return v;
}

// ---- eventtype searches -----------------------------------------------------------------------

/** field=value (value quoted or bare, `*` a wildcard), parentheses, OR, NOT, implicit AND. */
export function matchesSearch(search: string, f: Fields, tags: ReadonlySet<string> = new Set()): boolean {
  const toks = search.match(/\(|\)|[^\s()"=]+="[^"]*"|[^\s()]+/g) ?? [];
  let p = 0;
  const term = (): boolean => {
    const t = toks[p++];
    if (t === undefined) throw new Error(`unexpected end of search ${search}`);
    if (t === '(') {
      const r = or();
      if (toks[p++] !== ')') throw new Error(`missing ) in ${search}`);
      return r;
    }
    if (t === 'NOT') return !term();
    const m = /^([^=]+)=(?:"([^"]*)"|(.*))$/.exec(t);
    if (!m) throw new Error(`not a field=value term: ${t}`);
    const want = m[2] ?? m[3] ?? '';
    const re = new RegExp(`^${want.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    if (m[1] === 'tag') return [...tags].some((x) => re.test(x));
    const v = f.get(m[1] as string);
    if (v === undefined || v === null) return false;
    return (Array.isArray(v) ? v : [v]).some((x) => re.test(x));
  };
  const and = (): boolean => {
    let r = term();
    while (p < toks.length && toks[p] !== ')' && toks[p] !== 'OR') r = term() && r;
    return r;
  };
  const or = (): boolean => {
    let r = and();
    while (toks[p] === 'OR') {
      p++;
      r = and() || r;
    }
    return r;
  };
  const r = or();
  if (p !== toks.length) throw new Error(`trailing tokens in ${search}`);
  return r;
}
