import { z } from 'zod';
import { parseVar, type Env } from './env';

/**
 * SOC_LOG_LEVEL: the worker's log level. Below `debug`, log lines name no person, host or address: only the workflow's
 * ids and the product's own words (see workers/logger.ts).
 */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevelName = (typeof logLevels)[number];

export function loadLogLevel(env: Env = process.env, fallback: LogLevelName = 'info'): LogLevelName {
  return parseVar(
    env,
    'SOC_LOG_LEVEL',
    z.enum(logLevels, { error: `must be one of: ${logLevels.join(', ')} (debug and trace may log personal data)` }),
    fallback,
  )!;
}
