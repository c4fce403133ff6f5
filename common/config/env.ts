import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Configuration is read only in `common/config/`, one file per area, all from environment variables. An invalid
 * value stops start-up with a `ConfigError` that names the variable.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export const hostPort = z
  .string()
  .regex(
    /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/,
    'must be host:port, for example localhost:7233 or my-ns.a1b2c.tmprl.cloud:7233',
  );

export const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"');

export function parseVar<T>(env: Env, variable: string, schema: z.ZodType<T>, fallback?: T): T | undefined {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const result = schema.safeParse(raw.trim());
  if (!result.success) throw new ConfigError(variable, result.error.issues[0]?.message ?? 'is invalid');
  return result.data;
}

export function readPem(env: Env, variable: string): Buffer | undefined {
  const path = env[variable];
  if (!path) return undefined;
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (err) {
    throw new ConfigError(variable, `names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  if (!content.toString('utf8').includes('-----BEGIN ')) {
    throw new ConfigError(variable, `names ${path}, which is not a PEM file`);
  }
  return content;
}
