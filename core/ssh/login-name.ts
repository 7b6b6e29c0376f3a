/**
 * The login name as events carry it. A client may send any string as its user name: empty, with
 * control characters, tens of kilobytes long. The envelope needs a non-empty `login`, and a
 * refusal must still make a valid event, so an empty name gets a placeholder and a long one is
 * cut; `loginLength` then says what the client really sent.
 */

/** Events need a login; before the client named one, this stands in (not a valid login name). */
export const UNKNOWN_LOGIN = '(unknown)';
/** Stands in for an empty user name (not a valid login name either). */
export const EMPTY_LOGIN = '(empty)';
/** Characters of a login kept in events and log lines; no account name comes near it. */
export const LOGIN_MAX_CHARS = 256;

/** The login for an event or a log line: never empty, at most LOGIN_MAX_CHARS characters. */
export function eventLogin(raw: string | undefined): string {
  if (raw === undefined) return UNKNOWN_LOGIN;
  if (raw === '') return EMPTY_LOGIN;
  if (raw.length <= LOGIN_MAX_CHARS) return raw;
  // By code point, so a cut never leaves half a surrogate pair.
  return Array.from(raw).slice(0, LOGIN_MAX_CHARS).join('');
}

/**
 * The byte length of what the client sent, when the event's login is not exactly that (empty or
 * cut); undefined when the login is carried as sent.
 */
export function loginLength(raw: string): number | undefined {
  return eventLogin(raw) === raw ? undefined : Buffer.byteLength(raw, 'utf8');
}
