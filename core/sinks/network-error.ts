/**
 * One line for a failed connection or request, the same words from every network sink (in
 * `sinks test`, retries' log lines and metrics): connection refused, connection reset, TLS: ...,
 * request timed out, request aborted, name not resolved, host unreachable. Sinks add what only
 * they know (HTTP statuses, protocol errors) before falling back to this.
 */
const TLS_CODE = /CERT|SSL|TLS|EPROTO/i;
const TLS_MESSAGE = /certificate|self[- ]signed|ssl|tls|CERT_|EPROTO|wrong version number/i;

export function describeNetworkError(err: unknown): string {
  if (err === undefined || err === null) return 'not connected';
  const e = err as { code?: string; message?: string; name?: string };
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  // Client libraries (the Elasticsearch client) wrap the socket error: its code is in the message.
  const has = (c: string) => code === c || msg.includes(c);
  if (has('ECONNREFUSED')) return 'connection refused';
  if (has('ECONNRESET') || has('EPIPE') || /socket hang up/i.test(msg)) return 'connection reset';
  if (has('ETIMEDOUT')) return 'request timed out';
  if (has('ENOTFOUND') || has('EAI_AGAIN')) return `name not resolved: ${msg}`;
  if (has('EHOSTUNREACH') || has('ENETUNREACH')) return `host unreachable: ${msg}`;
  if (e.name === 'AbortError') return 'request aborted';
  if (TLS_CODE.test(code) || TLS_MESSAGE.test(msg)) return `TLS: ${msg}`;
  return `connection error: ${msg}`;
}
