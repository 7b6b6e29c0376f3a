/**
 * What a session asks of its recording, whatever the format: PTY sessions write asciicast v2
 * (asciicast.ts, for players), sessions without a PTY write their streams byte for byte
 * (raw-streams.ts). The session feeds output and input, holds its output while the recording is
 * behind, and closes it with how the session ended.
 */
import type { RecordingHeader } from './asciicast.js';

export interface SessionRecorder {
  /** Where the recording is: the .cast file, or the raw recording's directory. */
  readonly path: string;
  readonly format: 'asciicast' | 'raw';
  output(data: Buffer, stream?: 1 | 2): void;
  input(data: Buffer): void;
  /**
   * Input typed while the terminal hid it (a password prompt: ECHO off, SessionProcess.inputHidden)
   * under recording.redact_hidden_input: only its length is recorded, as the marker
   * HIDDEN_INPUT_MARKER (`sshtrail:hidden_input bytes=N`), never its bytes.
   */
  hiddenInput(bytes: number): void;
  resize(cols: number, rows: number): void;
  /** True while too much waits for the disk: stop reading the session's output until onDrain. */
  readonly backlogged: boolean;
  onDrain(cb: () => void): void;
  /** Whether a write failed (the recording then ends at its last complete record). */
  readonly failedWrite: boolean;
  close(exit: { code: number | null; signal: string | null; reason?: string } | undefined): Promise<void>;
}

/** The marker that stands for input typed with echo off: `sshtrail:hidden_input bytes=N`. */
export const HIDDEN_INPUT_MARKER = 'sshtrail:hidden_input';

export function hiddenInputMarker(bytes: number): string {
  return `${HIDDEN_INPUT_MARKER} bytes=${bytes}`;
}

/** How a recording is written (from the recording config). */
export interface RecorderOptions {
  input: boolean;
  flushInterval: number;
  /** 'off': buffered writes only (recording.direct_io). */
  directIo?: 'auto' | 'off';
  onError?: (err: Error) => void;
}

/** The session's details in a recording's header, as both formats write them (`sshtrail`). */
export interface RecordedSession {
  session_id?: string;
  login?: string;
  client_addr?: string;
  client_port?: number;
  kind?: string;
  command?: string;
}

/** The header's `sshtrail` object, the same in both formats. */
export function recordedSession(h: RecordingHeader): RecordedSession {
  return {
    session_id: h.sessionId,
    login: h.login,
    client_addr: h.clientAddr,
    client_port: h.clientPort,
    kind: h.kind,
    ...(h.command !== undefined ? { command: h.command } : {}),
  };
}

/** `sshtrail:end exit=N`, `signal=NAME` or `reason=WHY`: how a session ended, in either format. */
export function endHow(exit: { code: number | null; signal: string | null; reason?: string }): string {
  if (exit.reason !== undefined) return `reason=${exit.reason}`;
  if (exit.signal !== null) return `signal=${exit.signal}`;
  return `exit=${exit.code ?? 0}`;
}
