import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { SECRET_LOG_PATHS } from '../client/intake/redact';
import type { LogLevelName } from '../common/config/logging';

/**
 * The worker's log: one JSON object per line (pino, like the intake's), for the SDK runtime (`Runtime.install`),
 * workflow and activity loggers and the worker's own lines. Secrets are redacted as in the intake. Below `debug`,
 * a line keeps only the fields that identify the workflow or activity and the product's own codes; anything else a
 * caller attached (failure reasons and errors can name users, hosts and addresses) is dropped, an error keeping its
 * type. SOC_LOG_LEVEL=debug keeps every field.
 */

const IDENTIFYING_FIELDS = new Set([
  'sdkComponent',
  'namespace',
  'taskQueue',
  'workflowId',
  'runId',
  'workflowType',
  'activityId',
  'activityType',
  'attempt',
  'isLocal',
  'step',
  'ruleId',
  'from',
  'to',
  'direction',
  'outcome',
]);

const SECRET_PATHS = [
  ...SECRET_LOG_PATHS,
  '*.authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.clientSecret',
];

export interface WorkerLogger {
  /** For `Runtime.install({ logger })`. */
  temporal: Logger;
  /** The worker's own lines (start-up, shutdown). */
  pino: Pino;
}

export function createWorkerLogger(level: LogLevelName, destination?: DestinationStream): WorkerLogger {
  const base = pino({ level, base: { service: 'soc-triage-worker' }, redact: SECRET_PATHS }, destination);
  const detailed = base.isLevelEnabled('debug');
  const fields = (meta: LogMetadata | undefined): Record<string, unknown> => {
    if (!meta) return {};
    if (detailed) return { ...meta };
    const kept: Record<string, unknown> = {};
    const dropped: string[] = [];
    for (const [key, value] of Object.entries(meta)) {
      if (IDENTIFYING_FIELDS.has(key)) kept[key] = value;
      else if (value instanceof Error) kept[`${key}Type`] = value.name;
      else dropped.push(key);
    }
    if (dropped.length) kept.omitted = dropped;
    return kept;
  };
  const write = (lvl: LogLevel, message: string, meta?: LogMetadata) =>
    base[lvl.toLowerCase() as Lowercase<LogLevel>](fields(meta), message);
  return {
    pino: base,
    temporal: {
      log: write,
      trace: (message, meta) => write('TRACE', message, meta),
      debug: (message, meta) => write('DEBUG', message, meta),
      info: (message, meta) => write('INFO', message, meta),
      warn: (message, meta) => write('WARN', message, meta),
      error: (message, meta) => write('ERROR', message, meta),
    },
  };
}
