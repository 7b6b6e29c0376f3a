/**
 * `sshtrail sinks test [--config FILE]`: loads the config as `serve` would (core/config, then the
 * pipeline's sink settings, each checked against its type's schema), sends one marked test event
 * through each configured sink and prints, per sink, `ok` or the precise reason. Exit 0 only if
 * every sink is ok. The sinks are looked up and made by core/compose, as the running pipeline makes them.
 */
import { hostname as osHostname } from 'node:os';
import { loadConfig } from '../../compose/config.js';
import { createSink, sinkSettings } from '../../compose/sinks.js';
import { SshtrailError } from '../../errors.js';
import { EventClock } from '../../events/clock.js';
import { createLogger } from '../../log.js';
import { startAndCheck } from '../../sinks/check.js';
import type { AuditEvent, Sink, SinkCheckResult } from '../../sinks/sink.js';
import type { Command } from '../command.js';

const usage = `Usage: sshtrail sinks test [--config FILE]

Sends one marked test event (type audit.test, test: true) through every sink in the config and
prints "<name> (<type>): ok ..." or "<name> (<type>): FAIL <reason>" per sink. Exit status 0 only
when every sink is ok.`;

/**
 * The marked test event (schemas/audit.test/v1.json), valid like every event that leaves sshtrail.
 * It names this command as its producer (`<server id>/sinks-test`, seq 1): a live server on the
 * same host keeps its own per-server seq, so a SIEM watching for gaps sees none.
 */
export function testEvent(serverId: string, hostname: string): AuditEvent {
  const { id, time } = new EventClock().stamp();
  return Object.freeze({
    type: 'audit.test',
    schema: 'https://sshtrail.dev/schemas/audit.test/v1.json',
    id,
    time,
    seq: 1,
    server_id: `${serverId}/sinks-test`,
    hostname,
    test: true,
    message: 'sshtrail sinks test: connectivity check, not an audit record',
  });
}

export async function runSinksTest(
  configFile: string | undefined,
  out: (line: string) => void,
): Promise<number> {
  const config = loadConfig(configFile);
  const settings = { sinks: sinkSettings(config) };
  const hostname = osHostname();
  const event = testEvent(hostname, hostname);
  const logger = createLogger({ level: 'warn' });
  let failed = 0;
  for (const s of settings.sinks) {
    let result: SinkCheckResult;
    let sink: Sink | undefined;
    try {
      sink = await createSink(s, config, logger);
      result = await startAndCheck(sink, event);
    } catch (err) {
      result = { ok: false, detail: err instanceof Error ? err.message : String(err) };
    } finally {
      await sink?.close().catch(() => {});
    }
    if (!result.ok) failed++;
    out(`${s.name} (${s.type}): ${result.ok ? result.detail : `FAIL ${result.detail}`}`);
  }
  out(
    failed === 0
      ? `all ${settings.sinks.length} sink(s) ok`
      : `${failed} of ${settings.sinks.length} sink(s) failed`,
  );
  return failed === 0 ? 0 : 1;
}

export const command: Command = {
  summary: 'Check each configured sink with one marked test event',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'test')
      throw new SshtrailError('SSHTRAIL_E_USAGE', `expected 'sinks test', got 'sinks ${sub ?? ''}'`);
    let config: string | undefined;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i];
      if (a === '--config' || a === '-c') config = rest[++i];
      else if (a?.startsWith('--config=')) config = a.slice('--config='.length);
      else throw new SshtrailError('SSHTRAIL_E_USAGE', `unknown option '${a}'\n${usage}`);
    }
    if (rest.includes('--config') && config === undefined)
      throw new SshtrailError('SSHTRAIL_E_USAGE', '--config needs a FILE');
    return runSinksTest(config, (line) => process.stdout.write(`${line}\n`));
  },
};
