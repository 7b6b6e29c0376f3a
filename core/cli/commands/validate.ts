/**
 * `sshtrail validate [FILE|-] [--format text|json]`: validates NDJSON events against the schema
 * each one names. Streams (constant memory whatever the file size); prints one line per error,
 * `line N: TYPE: /json/pointer message`; exits 0 when every event is valid, 1 otherwise.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SshtrailError } from '../../errors.js';
import { EventChecker, type LineError } from '../../events/check.js';
import { shippedSchemas } from '../../events/schemas.js';
import type { Command } from '../command.js';

const usage = `Usage: sshtrail validate [FILE|-] [--format text|json]

Validates sshtrail events (NDJSON, one event per line) against the JSON Schema each names in its
"schema" field. Reads standard input when FILE is - or absent.
  --format text   one line per error: "line N: TYPE: /json/pointer message" (default)
  --format json   one JSON document: {"valid", "lines", "events", "invalid", "errors": [...]}
Exit status: 0 when every event is valid, 1 otherwise. Progress goes to stderr for large inputs.`;

const MAX_JSON_ERRORS = 10000;
const PROGRESS_BYTES = 64 * 2 ** 20;

function parseArgs(argv: string[]): { file: string | undefined; format: 'text' | 'json' } {
  let file: string | undefined;
  let format: 'text' | 'json' = 'text';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--format') {
      const f = argv[++i];
      if (f !== 'text' && f !== 'json')
        throw new SshtrailError('SSHTRAIL_E_USAGE', `--format must be text or json\n\n${usage}`);
      format = f;
    } else if (a.startsWith('--format=')) {
      return parseArgs([...argv.slice(0, i), '--format', a.slice(9), ...argv.slice(i + 1)]);
    } else if (a.startsWith('-') && a !== '-') {
      throw new SshtrailError('SSHTRAIL_E_USAGE', `unknown option ${a}\n\n${usage}`);
    } else if (file === undefined) file = a;
    else throw new SshtrailError('SSHTRAIL_E_USAGE', `one FILE at most\n\n${usage}`);
  }
  return { file, format };
}

export const command: Command = {
  summary: 'Validate NDJSON events against the sshtrail schemas',
  usage,
  async run(argv) {
    const parsed = parseArgs(argv);
    // No FILE and a terminal on stdin: someone typed the bare command to see what it does, and
    // waiting for events on the keyboard would look like a hang. An explicit - still reads it.
    if (parsed.file === undefined && process.stdin.isTTY)
      throw new SshtrailError(
        'SSHTRAIL_E_USAGE',
        `no events to read: give a FILE, or pipe them in\n\n${usage}`,
      );
    const file = parsed.file ?? '-';
    const { format } = parsed;
    let input: NodeJS.ReadableStream;
    let size = 0;
    if (file === '-') input = process.stdin;
    else {
      try {
        size = statSync(file).size;
      } catch {
        throw new SshtrailError('SSHTRAIL_E_NOT_FOUND', `cannot read ${file}`);
      }
      input = createReadStream(file);
    }
    const checker = new EventChecker(shippedSchemas());
    const errors: LineError[] = [];
    let truncated = false;
    let lines = 0;
    let bytes = 0;
    const started = Date.now();
    // Large inputs (or a slow pipe) report progress to stderr every two seconds.
    const progress = setInterval(() => {
      if (size < PROGRESS_BYTES && file !== '-') return;
      const pct = size ? ` (${((100 * bytes) / size).toFixed(0)}%)` : '';
      process.stderr.write(
        `validate: ${lines} lines${pct}, ${checker.invalid} invalid, ${((Date.now() - started) / 1000).toFixed(0)}s\n`,
      );
    }, 2000);
    progress.unref();
    const out: string[] = [];
    const flush = () => {
      if (out.length) process.stdout.write(`${out.join('\n')}\n`);
      out.length = 0;
    };
    try {
      const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of rl) {
        lines++;
        bytes += line.length + 1;
        const errs = checker.check(line, lines);
        if (!errs) continue;
        if (format === 'text') {
          for (const e of errs) out.push(`line ${e.line}: ${e.type}: ${e.pointer} ${e.message}`);
          if (out.length > 1000) flush();
        } else if (errors.length < MAX_JSON_ERRORS) errors.push(...errs);
        else truncated = true;
      }
    } finally {
      clearInterval(progress);
    }
    flush();
    const valid = checker.invalid === 0;
    if (format === 'json') {
      const doc = {
        valid,
        lines,
        events: checker.events,
        invalid: checker.invalid,
        errors,
        ...(truncated ? { errors_truncated: true } : {}),
      };
      process.stdout.write(`${JSON.stringify(doc)}\n`);
    }
    process.stderr.write(
      `validate: ${checker.events} events, ${checker.events - checker.invalid} valid, ${checker.invalid} invalid\n`,
    );
    return valid ? 0 : 1;
  },
};
