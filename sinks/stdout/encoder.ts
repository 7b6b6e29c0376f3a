/** stdout's lines are the canonical NDJSON every local sink writes: the shared batch encoder. */
export { encodeBatch } from '../../core/sinks/ndjson.js';
