/**
 * sshtrail's error codes, in one table. A code is never reused for another meaning. Only the CLI
 * entry point turns a SshtrailError into a process exit.
 */
export const ErrorCodes = {
  SSHTRAIL_E_CONFIG: { exit: 2, summary: 'invalid configuration' },
  SSHTRAIL_E_USAGE: { exit: 2, summary: 'invalid command-line usage' },
  SSHTRAIL_E_HOST_KEY: { exit: 2, summary: 'host key cannot be read or generated' },
  SSHTRAIL_E_LISTEN: { exit: 1, summary: 'cannot listen on the requested address' },
  SSHTRAIL_E_ENHANCED_UNAVAILABLE: { exit: 1, summary: 'enhanced recording required but unavailable' },
  SSHTRAIL_E_NOT_FOUND: { exit: 1, summary: 'no such recording, schema or file' },
  SSHTRAIL_E_VALIDATION: { exit: 1, summary: 'events failed schema validation' },
  SSHTRAIL_E_SINK: { exit: 1, summary: 'a sink failed its check' },
  SSHTRAIL_E_DATA_DIR: { exit: 2, summary: 'data dir unsafe, or in use by another running server' },
  SSHTRAIL_E_INTERNAL: { exit: 70, summary: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class SshtrailError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'SshtrailError';
  }
  get exitCode(): number {
    return ErrorCodes[this.code].exit;
  }
}

/** A write failed for want of space (a full filesystem or a quota), not a broken disk. */
export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
