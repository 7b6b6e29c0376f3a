/** The file sink's lines are the canonical NDJSON every local sink writes: the shared batch encoder. */
export { NdjsonEncoder } from '../../core/sinks/ndjson.js';
