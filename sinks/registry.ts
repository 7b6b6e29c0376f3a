/** Every sink type sshtrail knows, by config `type`. One line per type. */
import type { SinkType } from '../core/sinks/sink.js';
import { fileSinkType } from './file/index.js';
import { moduleSinkType } from './module/index.js';
import { stdoutSinkType } from './stdout/index.js';

export const sinkTypes: SinkType[] = [
  fileSinkType as unknown as SinkType,
  stdoutSinkType,
  moduleSinkType as unknown as SinkType,
];
