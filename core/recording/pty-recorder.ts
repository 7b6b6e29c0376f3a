/**
 * A PTY session's recording: asciicast v2 for players (asciicast.ts), and beside it the terminal
 * output's exact bytes (`<id>.raw/stdout`, raw-streams.ts), so that output which is not valid
 * UTF-8 (asciicast stores it as U+FFFD) is still on record: `sshtrail play <id> --raw`. Written
 * always rather than once invalid bytes appear: the bytes before the first invalid one would be
 * needed too, and they are gone by then (docs/recordings.md, with the measured cost).
 * Input and its hidden-input markers stay in the .cast only.
 */
import { AsciicastWriter, type RecordingHeader } from './asciicast.js';
import { RawStreamsWriter } from './raw-streams.js';
import type { RecorderOptions, SessionRecorder } from './recorder.js';

export class PtyRecorder implements SessionRecorder {
  readonly format = 'asciicast';
  private readonly cast: AsciicastWriter;
  private readonly raw: RawStreamsWriter;

  constructor(dir: string, h: RecordingHeader, opts: RecorderOptions) {
    this.cast = new AsciicastWriter(dir, h, opts);
    try {
      this.raw = new RawStreamsWriter(dir, h, { ...opts, input: false });
    } catch (err) {
      void this.cast.close({ code: null, signal: null, reason: 'start_failed' });
      throw err;
    }
  }

  get path(): string {
    return this.cast.path;
  }

  /** The raw output's directory, beside the .cast. */
  get rawPath(): string {
    return this.raw.path;
  }

  output(data: Buffer, stream: 1 | 2 = 1): void {
    this.cast.output(data, stream);
    this.raw.output(data, stream);
  }

  input(data: Buffer): void {
    this.cast.input(data);
  }

  hiddenInput(bytes: number): void {
    this.cast.hiddenInput(bytes);
  }

  resize(cols: number, rows: number): void {
    this.cast.resize(cols, rows);
  }

  get backlogged(): boolean {
    return this.cast.backlogged || this.raw.backlogged;
  }

  onDrain(cb: () => void): void {
    this.cast.onDrain(() => this.raw.onDrain(cb));
  }

  get failedWrite(): boolean {
    return this.cast.failedWrite || this.raw.failedWrite;
  }

  async close(
    exit: { code: number | null; signal: string | null; reason?: string } | undefined,
  ): Promise<void> {
    await Promise.all([this.cast.close(exit), this.raw.close(exit)]);
  }
}
