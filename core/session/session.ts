/**
 * One session channel: collects its pty and env requests, starts the shell or command through the
 * launcher, pumps data both ways with flow control, records it, and reports its life as events.
 * A subsystem (sftp) runs its program the same way, its stream audited by an SftpTap.
 * Order at the end: process exited and output drained -> exit-status -> channel closed ->
 * open SFTP handles reported -> hooks.finish -> recording closed -> session.end. When the client
 * is gone, the session is hung up and ends once its process exited, whatever still holds its
 * output. What is left running then stays or is killed by session.on_end (linger.ts).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import type { ServerConfig } from '../config/types.js';
import { isNoSpace } from '../errors.js';
import type { AuditEmitter, SessionContext } from '../events/emitter.js';
import type { FieldsOf } from '../events/event.js';
import type { SessionAgentReason } from '../events/types.generated.js';
import type { Logger } from '../log.js';
import { isSftpOnly } from '../policy/login-policy.js';
import { markRecordingClosed, markRecordingOpen } from '../recording/open-recordings.js';
import { PtyRecorder } from '../recording/pty-recorder.js';
import { RawStreamsWriter } from '../recording/raw-streams.js';
import type { SessionRecorder } from '../recording/recorder.js';
import type { Channel, PtyRequest, SessionHandlers, StartDecision } from '../ssh/adapter.js';
import type { SessionStart } from '../ssh/services.js';
import { processStartTime } from '../sys/proc-stat.js';
import { AgentSocket, agentBaseDir, canForwardAgentFor } from './agent-socket.js';
import { ChannelOutput } from './channel-output.js';
import { RequestedEnv, sessionEnv } from './env.js';
import type { SessionEndState, SessionHooks, SessionPlacement } from './hooks.js';
import { isRoot, launcherArgs, launcherPath } from './launch.js';
import { auditSessionId, LaunchReport } from './launch-report.js';
import { followLinger, killedFields, lingeringNote } from './linger.js';
import type { LiveRecord, LiveSessions } from './live-sessions.js';
import { type ExitInfo, type SessionProcess, spawnPipes, spawnPty } from './process.js';
import { SftpTap } from './sftp-tap.js';
import type { Subsystems } from './subsystems.js';
import { writeUtmpLogout } from './utmp.js';

export interface SessionDeps {
  config: ServerConfig;
  emitter: AuditEmitter;
  hooks: SessionHooks;
  log: Logger;
  recordingsDir: string;
  /** Durable notes of live sessions (closed after a crash by the next start). */
  live?: LiveSessions;
  /** What the subsystems run (detected at start); without it every subsystem is refused. */
  subsystems?: Subsystems;
}

/** What the client asked the channel to run. */
type Request =
  | { kind: 'shell' }
  | { kind: 'exec'; command: string }
  /** `program` is what runs for it (sftp-server), through the login's shell as sshd does. */
  | { kind: 'subsystem'; name: string; program: string };

/** The authenticated connection a session belongs to, as core/ssh hands it over. */
type ConnectionInfo = SessionStart;

/** Why agent forwarding was refused (session.agent reason). */
type AgentRefusal = SessionAgentReason;

const signals = new Set([
  'ABRT',
  'ALRM',
  'FPE',
  'HUP',
  'ILL',
  'INT',
  'KILL',
  'PIPE',
  'QUIT',
  'SEGV',
  'TERM',
  'USR1',
  'USR2',
]);

/**
 * After the client went away and the session was hung up, how long its process may take to exit
 * before the session ends without it (session.end reason disconnected; by session.on_end it then
 * lingers or is killed): sshd's session ends with the connection, whatever ignores SIGHUP.
 */
const HANGUP_GRACE_MS = 2000;

/** Resolves once a stream holds no unwritten data (or is gone). */
async function flushed(s: Writable): Promise<void> {
  if (s.writableLength === 0 || s.destroyed || s.writableEnded) return;
  // 'drain' fires only after a write() returned false; an empty write's callback runs once
  // everything queued before it was handed to ssh2 (which waits for the client's window).
  await Promise.race([
    new Promise<void>((resolve) => s.write(Buffer.alloc(0), () => resolve())),
    once(s, 'close'),
  ]);
}

/** What sshd prints for a shell or command under ForceCommand internal-sftp. */
export const SFTP_ONLY_MESSAGE = 'This service allows sftp connections only.\n';

/** The forced command and where it comes from: the config wins over a key's command= (as sshd). */
interface Forced {
  command: string;
  by: 'config' | 'authorized_keys';
}

/** recording.on_failure refuse: the recording could not be started, so the session is not. */
class RefusedUnrecorded extends Error {}

/** What a request runs (ChannelSession.whatRuns). */
interface Ran {
  kind: Request['kind'];
  /** What the login's shell runs with -c (nothing: a shell). */
  requested: string | undefined;
  forcedBy: Forced | undefined;
  /** The forced command that runs instead of `requested`, if any. */
  forced: string | undefined;
  command: string | undefined;
  /** What the client asked for, as session.start tells it. */
  asked: string | undefined;
}

interface TermSize {
  width: number;
  height: number;
}

/** A recording's first failed write, and whether recording.on_failure refuse ended the session. */
interface RecordingFailure {
  error: 'disk_full' | 'io_error' | undefined;
  refused: boolean;
  onError: (err: unknown) => void;
}

interface StartAnnouncer {
  /** session.start, the first time only. */
  emit(auditSession?: number): void;
  /** Runs `f` once session.start is out. */
  after(f: () => void): void;
}

/** How the session's program ended: its exit, or why there is none. */
interface Outcome {
  exit: ExitInfo | undefined;
  reason: 'start_failed' | 'recording_failed' | 'disconnected' | undefined;
}

/** One session run's state, from its set-up to its session.end (ChannelSession.runInner). */
interface Run {
  ctx: SessionContext;
  log: Logger;
  ran: Ran;
  placement: SessionPlacement;
  failure: RecordingFailure;
  started: number;
  note: LiveRecord;
  announce: StartAnnouncer;
  agent: AgentSocket | undefined;
  counts: { bytesIn: number; bytesOut: number };
  tap: SftpTap | undefined;
}

export class ChannelSession implements SessionHandlers {
  readonly id = randomUUID();
  private term: PtyRequest | undefined;
  private readonly requestedEnv: RequestedEnv;
  /** Env refusals past the limits already logged as a warning (then only at debug level). */
  private envLimitLogged = false;
  private started = false;
  /** Why a pty request was refused, for session.start. */
  private ptyRefused: 'key_option' | 'permit_tty' | undefined;
  /** auth-agent-req: what was decided (reported once the session has started). */
  private agentRequest: { granted: true } | { granted: false; reason: AgentRefusal } | undefined;
  private x11Asked = false;
  private proc: SessionProcess | undefined;
  private rec: SessionRecorder | undefined;
  /** The PTY whose utmp login was written (as root). */
  private utmpTty: string | undefined;
  private channelClosed = false;
  /** Settles when the channel closed (the client ended it or went away). */
  private readonly gone: Promise<void>;
  private markGone!: () => void;
  /** Settles when the session has fully ended (session.end emitted). */
  readonly ended: Promise<void>;
  private markEnded!: () => void;

  constructor(
    private readonly conn: ConnectionInfo,
    private readonly deps: SessionDeps,
    private readonly onEnd: (s: ChannelSession) => void,
  ) {
    this.ended = new Promise((r) => {
      this.markEnded = r;
    });
    this.gone = new Promise((r) => {
      this.markGone = r;
    });
    const s = deps.config.session;
    this.requestedEnv = new RequestedEnv({
      allow: s.env_allow,
      maxCount: s.env_max_count,
      maxBytes: s.env_max_bytes,
    });
  }

  get context(): SessionContext {
    return {
      session_id: this.id,
      login: this.conn.account.login,
      user: this.conn.user,
      client_addr: this.conn.client.ip,
      client_port: this.conn.client.port,
    };
  }

  pty(req: PtyRequest): boolean {
    if (this.started || this.term) return false;
    // no-pty / restrict, or permit_tty false: the client goes on without a terminal, as with sshd.
    const refused = this.conn.keyOptions?.noPty
      ? 'key_option'
      : this.conn.policy?.permitTty === false
        ? 'permit_tty'
        : undefined;
    if (refused) {
      this.ptyRefused = refused;
      this.deps.log.info('pty request refused', {
        session_id: this.id,
        login: this.conn.account.login,
        client: this.conn.client.ip,
        reason: refused === 'key_option' ? 'no-pty (authorized_keys)' : 'permit_tty is false',
      });
      return false;
    }
    // `ssh -tt` without a local terminal asks for 0x0 (docs/design.md, "PTYs").
    this.term = {
      term: req.term || 'xterm',
      cols: req.cols || 80,
      rows: req.rows || 24,
      modes: req.modes,
    };
    return true;
  }

  env(name: string, value: string): boolean {
    if (this.started) return false;
    // An environment entry cannot hold a NUL either (see exec).
    if (name.includes('\0') || value.includes('\0')) return false;
    const refused = this.requestedEnv.set(name, value);
    if (refused === undefined) return true;
    const { session } = this.deps.config;
    const log = this.deps.log;
    if (refused === 'not_allowed') {
      // As sshd: a client's SendEnv list commonly names what the server does not take.
      log.debug('env request refused: name not allowed', { session_id: this.id, name });
    } else {
      const why =
        refused === 'too_many'
          ? `more than session.env_max_count (${session.env_max_count}) variables`
          : `more than session.env_max_bytes (${session.env_max_bytes}) bytes`;
      const fields = {
        session_id: this.id,
        name,
        bytes: Buffer.byteLength(value),
        client: this.conn.client.ip,
      };
      if (this.envLimitLogged) log.debug(`env request refused: ${why}`, fields);
      else log.warn(`env request refused: ${why} (further refusals of this session at debug level)`, fields);
      this.envLimitLogged = true;
    }
    return false;
  }

  windowChange(size: { cols: number; rows: number }): void {
    if (!this.term || size.cols <= 0 || size.rows <= 0) return;
    this.term.cols = size.cols;
    this.term.rows = size.rows;
    this.proc?.resize(size.cols, size.rows);
    this.rec?.resize(size.cols, size.rows);
  }

  agent(): boolean {
    const log = this.deps.log;
    // Asked once the program runs: its environment is fixed, so there is no socket to give it.
    if (this.started) {
      log.info('agent forwarding refused: asked after the session started', { session_id: this.id });
      return false;
    }
    if (this.agentRequest) return this.agentRequest.granted;
    const reason: AgentRefusal | undefined = !(this.conn.policy?.forwarding ?? this.deps.config.forwarding)
      .agent
      ? 'config'
      : this.conn.keyOptions?.noAgentForwarding
        ? 'key_option'
        : !canForwardAgentFor(this.conn.account) || !this.conn.openAgentChannel
          ? 'not_root'
          : undefined;
    if (reason !== undefined) {
      const why = {
        config: 'forwarding.agent is false',
        key_option: 'the key has no-agent-forwarding or restrict',
        not_root: 'the server does not run as root and the login is not its user',
        setup_failed: '',
      }[reason];
      log.info(`agent forwarding refused: ${why}`, {
        session_id: this.id,
        login: this.conn.account.login,
        client: this.conn.client.ip,
      });
      this.agentRequest = { granted: false, reason };
      return false;
    }
    this.agentRequest = { granted: true };
    return true;
  }

  x11Refused(): void {
    this.x11Asked = true;
    this.deps.log.info('X11 forwarding refused: not supported by sshtrail', {
      session_id: this.id,
      login: this.conn.account.login,
      client: this.conn.client.ip,
    });
  }

  signal(name: string): boolean {
    const n = name.replace(/^SIG/, '');
    if (!this.proc || !signals.has(n)) return false;
    this.proc.kill(`SIG${n}` as NodeJS.Signals);
    return true;
  }

  shell(): StartDecision {
    if (this.started) return undefined;
    this.started = true;
    if (this.sftpOnly) return (ch) => this.refuseSftpOnly(ch, { kind: 'shell' });
    return (ch) => void this.run(ch, { kind: 'shell' });
  }

  exec(command: string): StartDecision {
    if (this.started) return undefined;
    // No program can receive a NUL inside an argument (execve's strings end at one): refused
    // before anything starts, as a malformed request, rather than failing in the spawn.
    if (command.includes('\0')) {
      this.deps.log.info('exec request refused: command holds a NUL byte', { session_id: this.id });
      return undefined;
    }
    this.started = true;
    if (this.sftpOnly) return (ch) => this.refuseSftpOnly(ch, { kind: 'exec', command });
    return (ch) => void this.run(ch, { kind: 'exec', command });
  }

  subsystem(name: string): StartDecision {
    if (this.started) return undefined;
    const subsystems = this.deps.subsystems;
    const policy = this.conn.policy;
    let program = name === 'sftp' ? subsystems?.sftp : undefined;
    let why = name === 'sftp' ? (subsystems?.sftpRefused ?? 'not configured') : 'unknown subsystem';
    if (program !== undefined && policy && !policy.sftp) {
      program = undefined;
      why = policy.matched.length
        ? `sftp is off for this login (match blocks: ${policy.matched.join(', ')})`
        : 'sftp.enabled is false';
    }
    if (program === undefined) {
      this.deps.log.info('subsystem refused', {
        session_id: this.id,
        login: this.conn.account.login,
        subsystem: name,
        reason: why,
        client: this.conn.client.ip,
      });
      this.refused({ kind: 'subsystem', command: name }, 'subsystem_refused');
      return undefined;
    }
    // internal-sftp forced: OpenSSH's sftp-server runs it, with the forced command's arguments.
    const forced = policy?.forceCommand;
    if (forced !== undefined && this.sftpOnly) {
      const args = forced.trim().split(/\s+/).slice(1);
      program = [program, ...args].join(' ');
    }
    this.started = true;
    // A binary protocol on pipes: a terminal would mangle it (CR/LF, ^C, ^D), so a pty the
    // client asked for first is not used.
    this.term = undefined;
    return (ch) => void this.run(ch, { kind: 'subsystem', name, program });
  }

  /** force_command makes this login SFTP-only (internal-sftp, or the sftp-server itself). */
  private get sftpOnly(): boolean {
    return isSftpOnly(this.conn.policy?.forceCommand, this.deps.config.sftp.server);
  }

  /** The command that runs instead of what the client asked for, if any. */
  private get forced(): Forced | undefined {
    const config = this.conn.policy?.forceCommand;
    if (config !== undefined) return { command: config, by: 'config' };
    const key = this.conn.keyOptions?.command;
    return key !== undefined ? { command: key, by: 'authorized_keys' } : undefined;
  }

  /** The session.start fields every session of this login carries (policy). */
  private policyFields(): Pick<FieldsOf<'session.start'>, 'match_blocks' | 'pty_refused'> {
    const f: Pick<FieldsOf<'session.start'>, 'match_blocks' | 'pty_refused'> = {};
    const matched = this.conn.policy?.matched;
    if (matched?.length) f.match_blocks = matched;
    if (this.ptyRefused) f.pty_refused = this.ptyRefused;
    return f;
  }

  /**
   * A request the policy refuses: session.start says what was asked, session.end why nothing
   * ran; the session is over (no later request on the channel can start anything).
   */
  private refused(
    asked: { kind: 'shell' | 'exec' | 'subsystem'; command?: string },
    reason: 'sftp_only' | 'subsystem_refused',
  ): void {
    const ctx = this.context;
    const pty = asked.kind !== 'subsystem' && this.term !== undefined;
    const start: FieldsOf<'session.start'> = { kind: asked.kind, pty, ...this.policyFields() };
    if (asked.command !== undefined) start.command = asked.command;
    const forced = this.forced;
    if (forced && reason === 'sftp_only')
      Object.assign(start, { forced_command: forced.command, forced_by: forced.by });
    this.deps.emitter.emit('session.start', start, ctx);
    this.deps.emitter.emit('session.end', { duration_ms: 0, bytes_in: 0, bytes_out: 0, reason }, ctx);
    this.deps.emitter.endSession?.(this.id);
    this.started = true;
    this.finished();
  }

  /** sshd under ForceCommand internal-sftp: a shell or command gets this line and exit 1. */
  private refuseSftpOnly(ch: Channel, asked: { kind: 'shell' } | { kind: 'exec'; command: string }): void {
    this.deps.log.info('session refused: this login is SFTP-only (force_command)', {
      session_id: this.id,
      login: this.conn.account.login,
      client: this.conn.client.ip,
      kind: asked.kind,
    });
    this.refused(
      { kind: asked.kind, ...(asked.kind === 'exec' ? { command: asked.command } : {}) },
      'sftp_only',
    );
    try {
      ch.write(this.term ? SFTP_ONLY_MESSAGE.replace('\n', '\r\n') : SFTP_ONLY_MESSAGE);
      ch.exit(1);
      ch.end();
    } catch {}
  }

  closed(): void {
    if (this.channelClosed) return;
    this.channelClosed = true;
    this.markGone();
    // The client went away: hang up on what the session runs, as closing a PTY's master does.
    this.proc?.hangUp();
    if (!this.started) this.finished();
  }

  /** Server shutdown: tell the user, then hang up. */
  notify(message: string): void {
    if (this.proc && !this.channelClosed) this.stderrOf?.write(message);
  }

  hangUp(signal: NodeJS.Signals = 'SIGHUP'): void {
    this.proc?.kill(signal);
  }

  private stderrOf: Writable | undefined;

  private finished(): void {
    this.onEnd(this);
    this.markEnded();
  }

  private async run(ch: Channel, request: Request): Promise<void> {
    try {
      await this.runInner(ch, request);
    } catch (err) {
      this.deps.log.error('session failed', { session_id: this.id, err: String(err) });
      try {
        ch.exit(1);
        ch.end();
      } catch {}
    } finally {
      this.finished();
    }
  }

  /** One session from its request to its session.end, step by step. */
  private async runInner(ch: Channel, request: Request): Promise<void> {
    const ctx = this.context;
    const log = this.deps.log.child({ session_id: this.id });
    const ran = this.whatRuns(request);
    this.stderrOf = this.term ? ch : ch.stderr;
    const placement = await this.place(ch, ctx, log);
    if (!placement) return;
    const size = { width: this.term?.cols ?? 80, height: this.term?.rows ?? 24 };
    const failure = this.recordingFailure(log);
    this.openRecording(ran, size, failure, log);

    // From here on, whatever happens, the session ends with exactly one session.end.
    const started = Date.now();
    const note = await this.writeLiveNote(ctx, placement, started, log);
    const announce = this.startAnnouncer(this.startFields(ran, placement, size), ctx);
    if (this.x11Asked && !this.channelClosed) {
      this.stderrOf.write('sshtrail: X11 forwarding is not supported by sshtrail\r\n');
    }
    // Before the spawn (its SSH_AUTH_SOCK); its event follows session.start.
    const agent = await this.startAgent(log, (fields) =>
      announce.after(() => this.deps.emitter.emit('session.agent', fields, ctx)),
    );
    const tap = ran.kind === 'subsystem' ? new SftpTap(this.deps.emitter, ctx, log) : undefined;
    const counts = { bytesIn: 0, bytesOut: 0 };
    const run: Run = { ctx, log, ran, placement, failure, started, note, announce, agent, counts, tap };

    const outcome = await this.execute(ch, run);
    const left = await this.wrapUp(run, outcome);
    // Ended because its recording failed mid-way (refuse): that is why, whatever the signal.
    if (failure.refused) outcome.reason = 'recording_failed';
    await this.announceEnd(run, this.endFields(run, outcome, left), left);
  }

  /** What a request runs: what the client asked for, and what runs instead when a command is forced. */
  private whatRuns(request: Request): Ran {
    // What the login's shell is given to run with -c: nothing for a shell, the command, or the
    // subsystem's program (as sshd runs an external subsystem).
    const requested =
      request.kind === 'exec' ? request.command : request.kind === 'subsystem' ? request.program : undefined;
    // command="..." on the key's line: that command runs whatever the client asked for (a shell,
    // another command or a subsystem, which the forced one finds in SSH_ORIGINAL_COMMAND), as
    // with sshd; a subsystem's stream is still audited as one.
    // access.force_command (or a match block's) wins over the key's, as ForceCommand in sshd. An
    // SFTP-only login's sftp request runs the sftp-server itself (`program` already says how).
    const forcedBy = this.forced;
    const forced = request.kind === 'subsystem' && this.sftpOnly ? undefined : forcedBy?.command;
    // session.start tells what the client asked for; forced_command what ran instead.
    const asked =
      request.kind === 'exec' ? request.command : request.kind === 'subsystem' ? request.name : undefined;
    return { kind: request.kind, requested, forcedBy, forced, command: forced ?? requested, asked };
  }

  /** The session's cgroup (session hooks); undefined, the client told, when it cannot be made. */
  private async place(ch: Channel, ctx: SessionContext, log: Logger): Promise<SessionPlacement | undefined> {
    try {
      return await this.deps.hooks.prepare(ctx);
    } catch (err) {
      log.error('session set-up failed (session cgroup)', { err: String(err) });
      ch.stderr.write('sshtrail: the session could not be set up\r\n');
      ch.exit(1);
      ch.end();
      return undefined;
    }
  }

  /** recording.on_failure as the session lives it: the first failed write decides, once. */
  private recordingFailure(log: Logger): RecordingFailure {
    // Under refuse, no session runs (or goes on) unrecorded.
    const refuse = this.deps.config.recording.on_failure === 'refuse';
    const failure: RecordingFailure = {
      error: undefined,
      refused: false,
      onError: (err: unknown) => {
        if (failure.error !== undefined) return;
        failure.error = isNoSpace(err) ? 'disk_full' : 'io_error';
        const why = failure.error === 'disk_full' ? 'disk full' : 'I/O error';
        if (!refuse) {
          log.error(
            'recording write failed: the session goes on unrecorded (recording.on_failure: continue)',
            {
              err: String(err),
            },
          );
          return;
        }
        failure.refused = true;
        log.error('recording write failed: the session is ended (recording.on_failure: refuse)', {
          err: String(err),
        });
        if (this.proc && !this.channelClosed) {
          this.stderrOf?.write(
            `\r\nsshtrail: the session's recording failed (${why}): the session is ended\r\n`,
          );
          this.proc.kill('SIGKILL');
        }
      },
    };
    return failure;
  }

  /** this.rec: the session's recording, or none when it cannot be created (failure told). */
  private openRecording(ran: Ran, size: TermSize, failure: RecordingFailure, log: Logger): void {
    const { deps, conn } = this;
    const { kind, command, forced, asked } = ran;
    try {
      // A terminal's output is recorded for players (asciicast, its exact bytes beside it); pipes
      // byte for byte (raw).
      const Recorder = this.term ? PtyRecorder : RawStreamsWriter;
      this.rec = new Recorder(
        deps.recordingsDir,
        {
          sessionId: this.id,
          login: conn.account.login,
          clientAddr: conn.client.ip,
          clientPort: conn.client.port,
          // The recording shows what ran: a forced command is an exec; a subsystem by its name.
          kind: kind === 'subsystem' ? 'subsystem' : command === undefined ? 'shell' : 'exec',
          ...(kind === 'subsystem' && forced === undefined
            ? { command: asked }
            : command !== undefined
              ? { command }
              : {}),
          width: size.width,
          height: size.height,
          ...(this.term ? { term: this.term.term } : {}),
          shell: conn.account.shell,
        },
        {
          input: deps.config.recording.input,
          flushInterval: deps.config.recording.flush_interval,
          directIo: deps.config.recording.direct_io,
          onError: failure.onError,
        },
      );
      markRecordingOpen(this.rec.path); // retention leaves it alone until closed
    } catch (err) {
      log.error('cannot create recording', { err: String(err) });
      failure.onError(err);
    }
  }

  /** The live-session note a crash recovery reads; returned as written (or as it would be). */
  private async writeLiveNote(
    ctx: SessionContext,
    placement: SessionPlacement,
    started: number,
    log: Logger,
  ): Promise<LiveRecord> {
    const note: LiveRecord = {
      version: 1,
      context: ctx,
      started_at: started,
      server_pid: process.pid,
      ...(this.rec ? { recording: this.rec.path } : {}),
      ...(placement.cgroupDir ? { cgroup_dir: placement.cgroupDir } : {}),
    };
    await this.deps.live?.write(note).catch((err: unknown) => {
      log.error('cannot write the live-session note (a crash would leave this session open)', {
        err: String(err),
      });
    });
    return note;
  }

  /** session.start's fields, but for the audit session id the launcher reports. */
  private startFields(ran: Ran, placement: SessionPlacement, size: TermSize): FieldsOf<'session.start'> {
    const { kind, asked, forced, forcedBy } = ran;
    const start: FieldsOf<'session.start'> = { kind, pty: this.term !== undefined };
    if (asked !== undefined) start.command = asked;
    if (forced !== undefined && forcedBy)
      Object.assign(start, { forced_command: forced, forced_by: forcedBy.by });
    else if (kind === 'subsystem' && this.sftpOnly && forcedBy)
      Object.assign(start, { forced_command: forcedBy.command, forced_by: forcedBy.by });
    Object.assign(start, this.policyFields());
    if (this.term) Object.assign(start, { term: this.term.term, ...size });
    if (placement.cgroupId !== undefined) start.cgroup_id = Number(placement.cgroupId);
    return start;
  }

  /**
   * session.start, emitted once: when the launcher has set the loginuid and reported the audit
   * session id, before the login's program runs; or before session.end when nothing could be
   * started. What must follow it (agent forwarding's decision) waits in `after`.
   */
  private startAnnouncer(start: FieldsOf<'session.start'>, ctx: SessionContext): StartAnnouncer {
    let emitted = false;
    const afterStart: (() => void)[] = [];
    return {
      emit: (auditSession?: number) => {
        if (emitted) return;
        emitted = true;
        if (auditSession !== undefined) start.audit_session_id = auditSession;
        this.deps.emitter.emit('session.start', start, ctx);
        for (const f of afterStart.splice(0)) f();
      },
      after: (f) => {
        afterStart.push(f);
      },
    };
  }

  /** Starts what the session runs and pumps it to its end; a failure ends what may run. */
  private async execute(ch: Channel, run: Run): Promise<Outcome> {
    const outcome: Outcome = { exit: undefined, reason: undefined };
    try {
      if (run.failure.refused) {
        run.announce.emit();
        const why = run.failure.error === 'disk_full' ? 'disk full' : 'I/O error';
        throw new RefusedUnrecorded(`sshtrail: this session cannot be recorded (${why}); it is refused\r\n`);
      }
      const { proc, report } = this.launch(run);
      this.noteProcess(run, proc);
      if (report) {
        run.announce.emit(auditSessionId(await report.read(), run.log));
        report.release();
      } else run.announce.emit();
      outcome.exit = await this.pump(ch, proc, run.counts, run.tap);
      if (outcome.exit === undefined) outcome.reason = 'disconnected';
    } catch (err) {
      // Nothing runs (spawn threw: E2BIG, EMFILE, ...), or the pump failed: end what may run.
      run.announce.emit();
      this.proc?.kill('SIGKILL');
      const unrecorded = err instanceof RefusedUnrecorded;
      if (unrecorded) outcome.reason = 'recording_failed';
      else if (this.proc === undefined) outcome.reason = 'start_failed';
      if (!unrecorded)
        run.log.error(outcome.reason ? 'session could not be started' : 'session failed', {
          err: String(err),
        });
      try {
        if (!this.channelClosed) {
          this.stderrOf?.write(unrecorded ? err.message : 'sshtrail: the session could not be started\r\n');
          ch.exit(1);
          ch.end();
        }
      } catch {}
      if (this.proc)
        outcome.exit = await Promise.race([this.proc.done, once(ch, 'close').then(() => undefined)]);
    }
    return outcome;
  }

  /** Spawns the session's program (this.proc); throws when it cannot be started. */
  private launch(run: Run): { proc: SessionProcess; report: LaunchReport | undefined } {
    const { ran } = run;
    // As root, the launcher sets the loginuid and reports (launch-report.ts).
    const report = isRoot ? LaunchReport.open() : undefined;
    let proc: SessionProcess;
    try {
      proc = this.spawn(
        run.placement.cgroupDir,
        ran.command,
        ran.forced !== undefined ? ran.requested : undefined,
        report,
        run.agent?.path,
      );
    } catch (err) {
      report?.release();
      throw err;
    }
    report?.closeChild();
    this.proc = proc;
    // The utmp login the launcher writes for a terminal (as root) is owed its logout.
    if (isRoot && proc.tty !== undefined) this.utmpTty = proc.tty;
    if (this.channelClosed) proc.hangUp();
    return { proc, report };
  }

  /** The live-session note learns the process (and its terminal), for a crash's recovery. */
  private noteProcess(run: Run, proc: SessionProcess): void {
    const pidStart = processStartTime(proc.pid);
    if (this.deps.live && pidStart !== undefined) {
      this.deps.live
        .write({
          ...run.note,
          pid: proc.pid,
          pid_start: pidStart,
          ...(this.utmpTty !== undefined ? { tty: this.utmpTty } : {}),
        })
        .catch(() => {});
    }
  }

  /** What is still open when the stream ended, closed before session.end; the session hooks'
   * verdict on what it left running. */
  private async wrapUp(run: Run, outcome: Outcome): Promise<SessionEndState> {
    const { deps } = this;
    const { agent, log } = run;
    run.tap?.end();
    if (agent) {
      await agent.close();
      deps.emitter.emit(
        'session.agent',
        { action: 'closed', connections: agent.connections, failed_connections: agent.failedConnections },
        run.ctx,
      );
    }
    if (this.utmpTty !== undefined && this.proc) await writeUtmpLogout(this.utmpTty, this.proc.pid, log);
    let left: SessionEndState = {};
    try {
      left = await deps.hooks.finish(run.ctx, deps.config.session.on_end);
    } catch (err) {
      log.error('session finish failed (session cgroup)', { err: String(err) });
    }
    const { exit, reason } = outcome;
    try {
      await this.rec?.close(
        exit && reason !== 'disconnected' ? exit : { code: null, signal: null, reason: reason ?? 'failed' },
      );
    } catch (err) {
      log.error('cannot close the recording', { err: String(err) });
    }
    if (this.rec) markRecordingClosed(this.rec.path);
    return left;
  }

  private endFields(run: Run, { exit, reason }: Outcome, left: SessionEndState): FieldsOf<'session.end'> {
    const rec = this.rec;
    const end: FieldsOf<'session.end'> = {
      duration_ms: Date.now() - run.started,
      bytes_in: run.counts.bytesIn,
      bytes_out: run.counts.bytesOut,
    };
    if (reason) end.reason = reason;
    else if (exit && exit.signal !== null) end.signal = exit.signal;
    else if (exit) end.exit_code = exit.code ?? 0;
    if (run.failure.error) end.recording_error = run.failure.error;
    if (rec) {
      end.recording = rec.path;
      end.recording_format = rec.format;
    }
    if (left.lingering !== undefined) end.lingering = left.lingering;
    if (left.killed) Object.assign(end, killedFields(left.killed));
    return end;
  }

  /** session.end; then the live-session note goes, or stays (marked ended) while processes linger. */
  private async announceEnd(run: Run, end: FieldsOf<'session.end'>, left: SessionEndState): Promise<void> {
    const { deps } = this;
    const { log } = run;
    const endedAt = Date.now();
    deps.emitter.emit('session.end', end, run.ctx);
    if (left.lingering && left.emptied) {
      // Still going: the note stays (marked ended) and the sequence goes on until
      // session.linger.end.
      log.info('session ended; processes it started run on (session.on_end keep)', {
        lingering: left.lingering,
      });
      const lingering = lingeringNote(run.note, endedAt, left.lingering);
      await deps.live?.write(lingering).catch((err: unknown) => {
        log.error('cannot write the live-session note', { err: String(err) });
      });
      followLinger(deps, lingering, left.emptied);
      return;
    }
    deps.emitter.endSession?.(this.id);
    await deps.live?.remove(this.id).catch((err: unknown) => {
      log.error('cannot remove the live-session note', { err: String(err) });
    });
  }

  /**
   * Agent forwarding as decided at the request, reported now that the session has started; the
   * socket is made here, before the program that gets SSH_AUTH_SOCK.
   */
  private async startAgent(
    log: Logger,
    report: (fields: FieldsOf<'session.agent'>) => void,
  ): Promise<AgentSocket | undefined> {
    const req = this.agentRequest;
    const { config } = this.deps;
    const { openAgentChannel } = this.conn;
    if (!req) return undefined;
    if (!req.granted || !openAgentChannel) {
      report({ action: 'refused', reason: req.granted ? 'not_root' : req.reason });
      return undefined;
    }
    try {
      const agent = await AgentSocket.create({
        account: this.conn.account,
        sessionId: this.id,
        baseDir: agentBaseDir(config.data_dir),
        openChannel: openAgentChannel,
        log,
      });
      report({ action: 'granted', socket: agent.path });
      log.info('agent forwarding granted', { socket: agent.path });
      return agent;
    } catch (err) {
      log.error('agent forwarding failed: the socket could not be made (the session goes on without it)', {
        err: String(err),
      });
      report({ action: 'refused', reason: 'setup_failed' });
      return undefined;
    }
  }

  /** Starts the shell or command through the launcher; throws when it cannot be started. */
  private spawn(
    cgroupDir: string | undefined,
    command: string | undefined,
    originalCommand: string | undefined,
    report: LaunchReport | undefined,
    agentSocket: string | undefined,
  ): SessionProcess {
    const { deps, conn } = this;
    const { account } = conn;
    const env = sessionEnv({
      account,
      path: deps.config.session.path,
      client: conn.client,
      server: conn.server,
      ...(this.term ? { term: this.term.term } : {}),
      requested: this.requestedEnv.vars,
    });
    if (originalCommand !== undefined) env.SSH_ORIGINAL_COMMAND = originalCommand;
    if (agentSocket !== undefined) env.SSH_AUTH_SOCK = agentSocket;
    const shellName = basename(account.shell);
    const spec = {
      account,
      ...(cgroupDir ? { cgroupDir } : {}),
      argv0: command === undefined ? `-${shellName}` : shellName,
      ttyEnv: this.term !== undefined,
      ...(this.term ? { ttyModes: this.term.modes, utmpHost: conn.client.ip } : {}),
      ...(report ? { reportFd: report.childFd } : {}),
      program: account.shell,
      args: command === undefined ? [] : ['-c', command],
    };
    return this.term
      ? spawnPty({
          file: launcherPath(),
          args: launcherArgs(spec),
          env,
          cwd: '/',
          term: this.term.term,
          cols: this.term.cols,
          rows: this.term.rows,
        })
      : spawnPipes({ file: launcherPath(), args: launcherArgs(spec), env, argv0: 'sshtrail-launch' });
  }

  /**
   * Moves data both ways until the process exited and its output reached the client, then sends
   * the exit status and closes the channel. Once the client is gone only the process's exit is
   * waited for (a background job may hold its output open for hours), and at most
   * HANGUP_GRACE_MS after the hang-up: undefined then, the process still runs.
   */
  private async pump(
    ch: Channel,
    proc: SessionProcess,
    counts: { bytesIn: number; bytesOut: number },
    tap?: SftpTap,
  ): Promise<ExitInfo | undefined> {
    const { conn } = this;
    const log = this.deps.log;
    const rec = this.rec;
    const output = new ChannelOutput();
    // Output is paused while the client is not reading or the recording is behind; resumed
    // when neither holds it any more.
    const holds = new Set<string>();
    const hold = (why: string, released: (cb: () => void) => void) => {
      if (holds.has(why)) return;
      if (holds.size === 0) proc.pauseOutput();
      holds.add(why);
      released(() => {
        holds.delete(why);
        if (holds.size === 0) proc.resumeOutput();
      });
    };
    proc.onOutput((data, stream) => {
      counts.bytesOut += data.length;
      conn.activity();
      if (!output.write(stream === 1 ? ch : ch.stderr, data)) hold('channel', (cb) => output.onDrain(cb));
      if (tap && stream === 1) {
        // The SFTP stream is audited by the tap, not recorded: docs/design.md, "SFTP".
        tap.server(data);
      } else if (rec) {
        rec.output(data, stream);
        if (rec.backlogged) hold('recording', (cb) => rec.onDrain(cb));
      }
    });
    // Typed at a password prompt (echo off): its length only, unless the site keeps it.
    const redact = this.deps.config.recording.input && this.deps.config.recording.redact_hidden_input;
    ch.on('data', (data: Buffer) => {
      counts.bytesIn += data.length;
      if (tap) tap.client(data);
      else if (redact && proc.inputHidden?.()) rec?.hiddenInput(data.length);
      else rec?.input(data);
      conn.activity();
      // Process not reading: stop reading the channel; the SSH window then stops the client.
      if (!proc.writeInput(data)) ch.pause();
    });
    proc.onInputDrain(() => ch.resume());
    ch.on('end', () => proc.endInput());
    ch.on('error', (err: Error) => log.debug('channel error', { session_id: this.id, err: err.message }));

    const afterHangUp = this.gone.then(() =>
      Promise.race([
        proc.exited,
        new Promise<undefined>((r) => setTimeout(r, HANGUP_GRACE_MS, undefined).unref()),
      ]),
    );
    const exit = await Promise.race([proc.done, afterHangUp]);
    if (this.channelClosed || exit === undefined) return exit;
    await Promise.race([output.idle(), once(ch, 'close')]);
    await Promise.all([flushed(ch), flushed(ch.stderr)]);
    if (!this.channelClosed) {
      if (exit.signal !== null) ch.exit(exit.signal, false, '');
      else ch.exit(exit.code ?? 0);
      ch.end();
    }
    return exit;
  }
}
