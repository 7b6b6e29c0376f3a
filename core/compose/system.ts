/**
 * Builds and starts the running system from a loaded config: the pipeline (sinks from
 * sinks/registry.ts, the metrics listener), enhanced recording from bpf/, the sessions a previous
 * run left open, and the SSH server with core/session and core/forward wired in. The one place
 * that knows every part; `serve` adds the process around it (signals, pid file, systemd).
 */
import { type EnhancedRecordingOptions, startEnhancedRecording } from '../../bpf/index.js';
import type { ServerConfig } from '../config/types.js';
import { SshtrailError } from '../errors.js';
import { loadSigningKey, startCheckpoints } from '../integrity/checkpoint.js';
import type { RootLogger } from '../log.js';
import type { PipelineConfig } from '../pipeline/index.js';
import { recordingsDir } from '../recording/asciicast.js';
import { startRetention } from '../recording/retention.js';
import { agentBaseDir } from '../session/agent-socket.js';
import { closeCrashedSessions, notedCgroups } from '../session/crash-recovery.js';
import { LiveSessions } from '../session/live-sessions.js';
import type { Peer } from '../ssh/adapter.js';
import { SshtrailServer } from '../ssh/server.js';
import { startPipeline } from './pipeline.js';
import { connectionServices } from './services.js';

export interface RunningSystem {
  server: SshtrailServer;
  /** What each listen address got, in order. */
  bound: Peer[];
  /** Ends sessions (after `graceMs`), then enhanced recording, then flushes the events. */
  stop(graceMs: number): Promise<void>;
}

export async function startSystem(
  config: ServerConfig,
  addresses: readonly { host: string; port: number }[],
  log: RootLogger,
): Promise<RunningSystem> {
  const integrity = config.integrity;
  let signingKey: ReturnType<typeof loadSigningKey> | undefined;
  try {
    if (integrity.signing_key) signingKey = loadSigningKey(integrity.signing_key);
  } catch (err) {
    throw new SshtrailError('SSHTRAIL_E_CONFIG', `integrity.signing_key: ${(err as Error).message}`);
  }
  const pipeline = await startPipeline({
    config: { sinks: config.sinks, pipeline: config.pipeline, metrics: config.metrics } as PipelineConfig,
    dataDir: config.data_dir,
    logger: log.child({ component: 'pipeline' }),
  });

  // The chains' running digests go to the SIEM (core/integrity, docs/tamper-evidence.md).
  const checkpoints = startCheckpoints({
    emitter: pipeline,
    dataDir: config.data_dir,
    intervalSeconds: integrity.checkpoint_interval_seconds,
    ...(signingKey ? { signingKey } : {}),
  });

  // The sessions the previous run left open: their cgroups are not cleaned up with the rest of
  // the subtree, because under session.on_end keep what still runs there is taken back.
  const live = LiveSessions.open(config.data_dir);
  const noted = notedCgroups(live);

  // Enhanced recording (cgroup v2 + eBPF) takes part in sessions through these hooks only.
  const enhanced = await startEnhancedRecording({
    config: config.enhanced_recording as EnhancedRecordingOptions['config'],
    emitter: pipeline,
    logger: log.child({ component: 'enhanced' }),
    dataDir: config.data_dir,
    keepCgroups: noted,
  }).catch(async (err: unknown) => {
    checkpoints.stop();
    await pipeline.close(2000);
    throw err;
  });
  if (!enhanced.enabled) log.info('enhanced recording off', { reason: enhanced.reason ?? 'disabled' });
  const hooks = enhanced.hooks;

  // Sessions a previous run left open are closed (or, lingering under keep, taken back) before
  // anything new starts.
  await closeCrashedSessions(live, pipeline, log.child({ component: 'session' }), {
    onEnd: config.session.on_end,
    hooks,
    agentBase: agentBaseDir(config.data_dir),
  });

  const sshLog = log.child({ component: 'ssh' });
  let server: SshtrailServer;
  let bound: Peer[];
  try {
    server = new SshtrailServer({
      config,
      emitter: pipeline,
      services: connectionServices({ config, emitter: pipeline, hooks, log: sshLog, live }),
      log: sshLog,
    });
    bound = await server.start(addresses);
  } catch (err) {
    await enhanced.close();
    checkpoints.stop();
    await pipeline.close(2000);
    if (err instanceof SshtrailError) throw err;
    const where = (err as { listen?: string }).listen ?? String(config.listen);
    throw new SshtrailError('SSHTRAIL_E_LISTEN', `cannot listen on ${where}: ${(err as Error).message}`);
  }
  // recording.retention: at start, then every check_interval (core/recording/retention.ts).
  const retention = startRetention(
    {
      recordingsDir: recordingsDir(config.data_dir),
      liveNotesDir: live.dir,
      emitter: pipeline,
      log: log.child({ component: 'retention' }),
    },
    config.recording.retention,
  );
  return {
    server,
    bound,
    stop: async (graceMs) => {
      retention.stop();
      await server.shutdown(graceMs);
      await enhanced.close();
      // The final digests of the recordings closed at shutdown (the audit file's own closes with
      // the pipeline, after this event: its last block is anchored by the next run's first).
      checkpoints.stop();
      await pipeline.close(5000);
    },
  };
}
