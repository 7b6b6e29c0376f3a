/** Elasticsearch's `filter_path` for the local Elasticsearch receiver. */
/**
 * Elasticsearch's `filter_path` response filtering, for the patterns clients use on `_bulk`:
 * dotted paths where `*` matches any key (array elements are traversed transparently).
 */
export function filterPath(value: unknown, paths: string[]): unknown {
  const patterns = paths.map((p) => p.split('.'));
  const walk = (v: unknown, pats: string[][]): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, pats)).filter((x) => x !== undefined);
    if (!v || typeof v !== 'object') return pats.some((p) => p.length === 0) ? v : undefined;
    if (pats.some((p) => p.length === 0)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) {
      const next = pats.filter((p) => p[0] === '*' || p[0] === k).map((p) => p.slice(1));
      if (next.length === 0) continue;
      const r = walk(child, next);
      if (
        r !== undefined &&
        !(typeof r === 'object' && r !== null && !Array.isArray(r) && Object.keys(r).length === 0)
      )
        out[k] = r;
    }
    return out;
  };
  return walk(value, patterns);
}
