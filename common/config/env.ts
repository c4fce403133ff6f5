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

/** host:port with a port from 1 to 65535; `forms` says what the variable accepts, with examples that fit it. */
export function hostPort(forms: string) {
  const message = `must be ${forms}`;
  return z
    .string()
    .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, message)
    .refine((value) => {
      const port = Number(value.slice(value.lastIndexOf(':') + 1));
      return port >= 1 && port <= 65535;
    }, `${message} (the port must be between 1 and 65535)`);
}

/** A whole number from `min` to `max`, with the range in every message (also for text that is not a number). */
export function wholeNumber(min: number, max: number, what = 'a whole number') {
  const message = `must be ${what} between ${min} and ${max}`;
  return z
    .string()
    .regex(/^[+-]?\d+$/, message)
    .transform(Number)
    .pipe(z.number().int(message).min(min, message).max(max, message));
}

/** A TCP port to listen on (0: any free port). */
export const listenPort = wholeNumber(0, 65535, 'a port number');

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
