import { z } from 'zod';
import { ConfigError, listenPort, parseVar, wholeNumber, type Env } from './env';

/**
 * The SIEM intake: where it listens, how much it accepts, and how each source authenticates.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | SOC_INTAKE_HOST | 127.0.0.1 | interface to listen on (0.0.0.0 in a container) |
 * | SOC_INTAKE_PORT | 8088 | TCP port |
 * | SOC_INTAKE_BODY_LIMIT_BYTES | 1048576 | largest request body; larger ones get 413 |
 * | SOC_INTAKE_MAX_ALERTS_PER_DELIVERY | 100 | alerts one request may carry (Kibana sends up to 100) |
 * | SOC_INTAKE_UPN_SUFFIX | — | domain added to bare account names (`jdoe`, `CORP\jdoe` → `jdoe@<suffix>`) |
 * | SOC_INTAKE_TEMPORAL_TIMEOUT_MS | 5000 | deadline for handing one alert to Temporal; past it the sender gets 503 |
 * | SOC_INTAKE_CORRELATION_TIMEOUT_MS | 2000 | deadline for finding the open case of the same rule and user; past it the alert starts its own case |
 * | SOC_INTAKE_MAX_IN_FLIGHT | 64 | alerts handed to Temporal at the same time |
 * | SOC_INTAKE_MAX_QUEUED | 5000 | alerts waiting for a slot; beyond it the sender gets 429 |
 * | SOC_INTAKE_RETRY_AFTER_SECONDS | 5 | `Retry-After` on 429 and 503 |
 * | SOC_INTAKE_TOKEN | — | token for every source that has no authentication of its own (bearer; Splunk: `?token=`) |
 * | SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS | 60 | how often the worker polls Defender XDR alerts (Graph `alerts_v2`); 0 turns polling off |
 *
 * Per source (`<SRC>` = SPLUNK, ELASTIC, SENTINEL, OCSF, GENERIC):
 *
 * | variable | meaning |
 * |---|---|
 * | SOC_INTAKE_<SRC>_AUTH | `bearer`, `header`, `hmac`, `basic`, `url-token` or `none`; inferred from the variables below when unset |
 * | SOC_INTAKE_<SRC>_TOKEN | shared token for `bearer` (`Authorization: Bearer …`), `header` or `url-token` (`?token=…`) |
 * | SOC_INTAKE_<SRC>_TOKEN_HEADER | header that carries the token for `header` (default `X-SOC-Token`) |
 * | SOC_INTAKE_<SRC>_HMAC_SECRET | secret for `hmac`: `X-SOC-Signature: sha256=hex(HMAC-SHA256(secret, "<X-SOC-Timestamp>.<body>"))` |
 * | SOC_INTAKE_<SRC>_BASIC_USER, SOC_INTAKE_<SRC>_BASIC_PASSWORD | credentials for `basic` |
 *
 * A Splunk token defaults to `url-token`: Splunk's webhook alert action cannot send headers. A source with no
 * authentication configured (and no SOC_INTAKE_TOKEN) is disabled: its requests get 403.
 */

export const intakeSources = ['splunk', 'elastic', 'sentinel', 'ocsf', 'generic'] as const;
export type IntakeSource = (typeof intakeSources)[number];

export const authMethods = ['bearer', 'header', 'hmac', 'basic', 'url-token', 'none'] as const;
export type AuthMethod = (typeof authMethods)[number];

export type SourceAuth =
  | { method: 'bearer'; token: string }
  | { method: 'header'; token: string; header: string }
  | { method: 'url-token'; token: string }
  | { method: 'hmac'; secret: string }
  | { method: 'basic'; username: string; password: string }
  | { method: 'none' };

export interface IntakeConfig {
  host: string;
  port: number;
  bodyLimitBytes: number;
  maxAlertsPerDelivery: number;
  upnSuffix: string | undefined;
  temporalTimeoutMs: number;
  correlationTimeoutMs: number;
  maxInFlight: number;
  maxQueued: number;
  retryAfterSeconds: number;
  /** `undefined`: Defender XDR alerts are not polled. */
  defenderPollIntervalMs: number | undefined;
  /** `undefined`: the source is disabled. */
  auth: Record<IntakeSource, SourceAuth | undefined>;
}

const MIN_SECRET = 16;
const secret = z.string().min(MIN_SECRET, `must be at least ${MIN_SECRET} characters`);
const int = (min: number, max: number) => wholeNumber(min, max);
const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name such as X-SOC-Token');
const domain = z
  .string()
  .regex(/^(?=.{1,200}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a domain such as example.com (without "@")')
  .transform((d) => d.toLowerCase());

const pollSeconds = int(0, 86_400).refine(
  (seconds) => seconds === 0 || seconds >= 10,
  'must be 0 (off) or between 10 and 86400 seconds (Graph throttles faster polling)',
);
const pollInterval = (seconds: number) => (seconds === 0 ? undefined : seconds * 1000);

function sourceAuth(env: Env, source: IntakeSource): SourceAuth | undefined {
  const prefix = `SOC_INTAKE_${source.toUpperCase()}`;
  const token = parseVar(env, `${prefix}_TOKEN`, secret);
  const hmacSecret = parseVar(env, `${prefix}_HMAC_SECRET`, secret);
  const username = parseVar(
    env,
    `${prefix}_BASIC_USER`,
    z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^:]+$/, 'must not contain ":"'),
  );
  const password = parseVar(env, `${prefix}_BASIC_PASSWORD`, secret);
  const header = parseVar(env, `${prefix}_TOKEN_HEADER`, headerName, 'X-SOC-Token')!;
  let method = parseVar(
    env,
    `${prefix}_AUTH`,
    z.enum(authMethods, { error: `must be one of ${authMethods.join(', ')}` }),
  );

  if (!method) {
    const configured = [token && 'token', hmacSecret && 'hmac', (username || password) && 'basic'].filter(Boolean);
    if (configured.length > 1) {
      throw new ConfigError(
        `${prefix}_AUTH`,
        `must choose one method: ${configured.join(', ')} credentials are all set`,
      );
    }
    if (token) method = source === 'splunk' ? 'url-token' : 'bearer';
    else if (hmacSecret) method = 'hmac';
    else if (username || password) method = 'basic';
    else {
      const shared = parseVar(env, 'SOC_INTAKE_TOKEN', secret);
      if (!shared) return undefined;
      return source === 'splunk' ? { method: 'url-token', token: shared } : { method: 'bearer', token: shared };
    }
  }
  const needed = <T>(value: T | undefined, variable: string): T => {
    if (value === undefined) throw new ConfigError(variable, `must be set for ${prefix}_AUTH=${method}`);
    return value;
  };
  switch (method) {
    case 'bearer':
      return { method, token: needed(token, `${prefix}_TOKEN`) };
    case 'header':
      return { method, token: needed(token, `${prefix}_TOKEN`), header: header.toLowerCase() };
    case 'url-token':
      return { method, token: needed(token, `${prefix}_TOKEN`) };
    case 'hmac':
      return { method, secret: needed(hmacSecret, `${prefix}_HMAC_SECRET`) };
    case 'basic':
      return {
        method,
        username: needed(username, `${prefix}_BASIC_USER`),
        password: needed(password, `${prefix}_BASIC_PASSWORD`),
      };
    case 'none':
      return { method };
  }
}

export function loadIntakeConfig(env: Env = process.env): IntakeConfig {
  const auth = Object.fromEntries(
    intakeSources.map((source) => [source, sourceAuth(env, source)]),
  ) as IntakeConfig['auth'];
  const temporalTimeoutMs = parseVar(env, 'SOC_INTAKE_TEMPORAL_TIMEOUT_MS', int(100, 120_000), 5_000)!;
  const correlationTimeoutMs = parseVar(env, 'SOC_INTAKE_CORRELATION_TIMEOUT_MS', int(50, 60_000), 2_000)!;
  // Correlation must leave the start of the case time within the alert's deadline.
  if (correlationTimeoutMs * 2 > temporalTimeoutMs) {
    throw new ConfigError(
      'SOC_INTAKE_CORRELATION_TIMEOUT_MS',
      `(${correlationTimeoutMs}) must be at most half of SOC_INTAKE_TEMPORAL_TIMEOUT_MS (${temporalTimeoutMs}), so a case can still start when correlation gives up`,
    );
  }
  return {
    host: parseVar(
      env,
      'SOC_INTAKE_HOST',
      z.string().regex(/^[A-Za-z0-9.:-]{1,255}$/, 'must be a host name or IP address'),
      '127.0.0.1',
    )!,
    port: parseVar(env, 'SOC_INTAKE_PORT', listenPort, 8088)!,
    bodyLimitBytes: parseVar(env, 'SOC_INTAKE_BODY_LIMIT_BYTES', int(1024, 64 * 1024 * 1024), 1024 * 1024)!,
    maxAlertsPerDelivery: parseVar(env, 'SOC_INTAKE_MAX_ALERTS_PER_DELIVERY', int(1, 1000), 100)!,
    upnSuffix: parseVar(env, 'SOC_INTAKE_UPN_SUFFIX', domain),
    temporalTimeoutMs,
    correlationTimeoutMs,
    maxInFlight: parseVar(env, 'SOC_INTAKE_MAX_IN_FLIGHT', int(1, 4096), 64)!,
    maxQueued: parseVar(env, 'SOC_INTAKE_MAX_QUEUED', int(0, 1_000_000), 5_000)!,
    retryAfterSeconds: parseVar(env, 'SOC_INTAKE_RETRY_AFTER_SECONDS', int(1, 3600), 5)!,
    defenderPollIntervalMs: pollInterval(parseVar(env, 'SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS', pollSeconds, 60)!),
    auth,
  };
}

/** Defaults for tests and embedding: every limit at its default, no source enabled unless `auth` says so. */
export function intakeConfig(
  overrides: Partial<Omit<IntakeConfig, 'auth'>> & { auth?: Partial<IntakeConfig['auth']> } = {},
): IntakeConfig {
  const defaults = loadIntakeConfig({});
  return { ...defaults, ...overrides, auth: { ...defaults.auth, ...overrides.auth } };
}
