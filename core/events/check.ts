/**
 * Checks one NDJSON line against the schema its event names, with precise, line-numbered errors.
 * Used by `sshtrail validate`; third parties get the same result from the exported schemas.
 */
import { describeKnown, type SchemaSet } from './schemas.js';
import { FullValidators, formatErrors } from './validators.js';

export interface LineError {
  line: number;
  /** The event's type, or "-" when it has none. */
  type: string;
  /** JSON pointer into the event ("/" for the whole line). */
  pointer: string;
  message: string;
}

export class EventChecker {
  /** Stops at the first error: the common case, a valid event, pays for nothing more. */
  private readonly fast: FullValidators;
  /** Collects every error, only for the events that have one. */
  private readonly detailed: FullValidators;
  events = 0;
  invalid = 0;

  constructor(private readonly set: SchemaSet) {
    this.fast = new FullValidators(set, { formats: 'full', allErrors: false });
    this.detailed = new FullValidators(set, { formats: 'full', allErrors: true });
  }

  /** Returns undefined for a valid event or a blank line. */
  check(line: string, n: number): LineError[] | undefined {
    if (line.trim() === '') return undefined;
    this.events++;
    const errs = this.errors(line, n);
    if (errs) this.invalid++;
    return errs;
  }

  private errors(line: string, n: number): LineError[] | undefined {
    const err = (type: string, pointer: string, message: string): LineError[] => [
      { line: n, type, pointer, message },
    ];
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch (e) {
      return err('-', '/', `is not JSON: ${(e as Error).message}`);
    }
    if (ev === null || typeof ev !== 'object' || Array.isArray(ev))
      return err('-', '/', 'must be a JSON object');
    const o = ev as Record<string, unknown>;
    if (typeof o.type !== 'string') {
      return err(
        '-',
        '/type',
        `is required (a string); known types: ${[...this.set.types.keys()].join(', ')}`,
      );
    }
    const type = o.type;
    const known = this.set.types.get(type);
    if (!known)
      return err(type, '/type', `unknown event type; known types: ${[...this.set.types.keys()].join(', ')}`);
    if (typeof o.schema !== 'string')
      return err(type, '/schema', `is required; schemas for ${type}: ${describeKnown(this.set, type)}`);
    const entry = this.set.byId.get(o.schema);
    if (!entry || entry.type === 'envelope') {
      return err(
        type,
        '/schema',
        `unknown schema ${o.schema}; schemas for ${type}: ${describeKnown(this.set, type)}`,
      );
    }
    if (entry.type !== type)
      return err(type, '/schema', `${o.schema} is the schema of ${entry.type}, not ${type}`);
    if (this.fast.get(entry.id)!(o)) return undefined;
    const validate = this.detailed.get(entry.id)!;
    validate(o);
    return formatErrors(validate.errors).map((m) => {
      const sp = m.indexOf(' ');
      return { line: n, type, pointer: m.slice(0, sp), message: m.slice(sp + 1) };
    });
  }
}
