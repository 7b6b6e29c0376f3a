/** Every sink type sshtrail knows, by config `type`. One line per type. */
import type { SinkType } from '../core/sinks/sink.js';
import { elasticsearchSinkType } from './elasticsearch/sink.js';
import { fileSinkType } from './file/sink.js';
import { fluentdSinkType } from './fluentd/sink.js';
import { moduleSinkType } from './module/sink.js';
import { splunkHecSinkType } from './splunk_hec/sink.js';
import { stdoutSinkType } from './stdout/sink.js';
import { syslogSinkType } from './syslog/sink.js';

export const sinkTypes: SinkType[] = [
  fileSinkType,
  stdoutSinkType,
  moduleSinkType,
  elasticsearchSinkType,
  splunkHecSinkType,
  fluentdSinkType,
  syslogSinkType,
];
