import { z } from 'zod';
import { parseDuration } from '../duration';
import { ConfigError, parseVar, readPem, type Env } from './env';

/**
 * Step-up before "yes, it was me" (see `client/teams/step-up/`): the Entra app registration the confirmation page signs
 * users in with, where that page is published, and which Conditional Access authentication context proves MFA.
 * Nothing set → `undefined`; the caller fails closed when a rule asks for step-up (`requireStepUpConfig`).
 */
export interface StepUpConfig {
  tenantId: string;
  clientId: string;
  /** A client secret, or a PEM file with the certificate and its private key (a signed client assertion). */
  credential: { kind: 'secret'; secret: string } | { kind: 'certificate'; pem: string };
  /** Entra ID authority, `https://login.microsoftonline.com` unless a national cloud or the local stand-in. */
  authorityHost: string;
  /** Where the bot's server is reached from the user's browser; the page is `<url>/stepup`. */
  publicBaseUrl: string;
  /** `<publicBaseUrl>/stepup/callback`, to be registered as the app's web redirect URI. */
  redirectUri: string;
  /** The Conditional Access authentication context (`c1`…`c99`) that must appear in the ID token's `acrs`. */
  authContextId: string;
  /** How old the sign-in may be (`iat`, and `auth_time` when present). */
  maxTokenAgeMs: number;
  /** How long the link and a started sign-in stay usable. */
  flowTimeoutMs: number;
}

export const STEP_UP_VARIABLES = [
  'SOC_STEPUP_TENANT_ID',
  'SOC_STEPUP_CLIENT_ID',
  'SOC_STEPUP_CLIENT_SECRET',
  'SOC_STEPUP_CLIENT_CERTIFICATE',
  'SOC_STEPUP_AUTHORITY_HOST',
  'SOC_STEPUP_PUBLIC_URL',
  'SOC_STEPUP_AUTH_CONTEXT',
  'SOC_STEPUP_MAX_TOKEN_AGE',
] as const;

const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');
const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** https, or http on a loopback address only (a local demo): the redirect carries the authorization code. */
const webUrl = z
  .string()
  .refine((raw) => {
    if (!URL.canParse(raw)) return false;
    const url = new URL(raw);
    return url.protocol === 'https:' || (url.protocol === 'http:' && loopback.has(url.hostname));
  }, 'must be an https:// URL (http:// only on 127.0.0.1 or localhost)')
  .transform((raw) => new URL(raw).origin + new URL(raw).pathname.replace(/\/+$/, ''));
const httpsUrl = z
  .string()
  .refine((raw) => URL.canParse(raw) && new URL(raw).protocol === 'https:', 'must be an https:// URL')
  .transform((raw) => new URL(raw).origin);
const authContext = z.string().regex(/^c([1-9]|[1-9][0-9])$/, 'must be an authentication context id, c1 to c99');
const maxAge = z.string().transform((raw, ctx) => {
  const ms = parseDuration(raw);
  if (ms === undefined || ms < 30_000 || ms > 15 * 60_000) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration between 30s and 15m, like 5m' });
    return z.NEVER;
  }
  return ms;
});

function required<T>(env: Env, variable: (typeof STEP_UP_VARIABLES)[number], schema: z.ZodType<T>, hint: string): T {
  const value = parseVar(env, variable, schema);
  if (value === undefined) throw new ConfigError(variable, `must be set: ${hint}`);
  return value;
}

export function loadStepUpConfig(env: Env = process.env): StepUpConfig | undefined {
  if (!STEP_UP_VARIABLES.some((v) => (env[v] ?? '').trim() !== '')) return undefined;
  const tenantId = required(env, 'SOC_STEPUP_TENANT_ID', guid, 'the directory (tenant) id users sign in to');
  const clientId = required(env, 'SOC_STEPUP_CLIENT_ID', guid, "the step-up app registration's application id");
  const pem = readPem(env, 'SOC_STEPUP_CLIENT_CERTIFICATE');
  const secret = parseVar(env, 'SOC_STEPUP_CLIENT_SECRET', z.string().min(8, 'looks too short to be a client secret'));
  if (!pem && !secret)
    throw new ConfigError(
      'SOC_STEPUP_CLIENT_SECRET',
      'or SOC_STEPUP_CLIENT_CERTIFICATE (a PEM file with certificate and key) must be set: the code exchange needs a credential',
    );
  const publicBaseUrl = required(env, 'SOC_STEPUP_PUBLIC_URL', webUrl, 'where browsers reach the confirmation page');
  return {
    tenantId,
    clientId,
    credential: pem ? { kind: 'certificate', pem: pem.toString('utf8') } : { kind: 'secret', secret: secret! },
    authorityHost: parseVar(env, 'SOC_STEPUP_AUTHORITY_HOST', httpsUrl, 'https://login.microsoftonline.com')!,
    publicBaseUrl,
    redirectUri: `${publicBaseUrl}/stepup/callback`,
    authContextId: required(
      env,
      'SOC_STEPUP_AUTH_CONTEXT',
      authContext,
      'the Conditional Access authentication context whose policy requires MFA every time (c1…c99)',
    ),
    maxTokenAgeMs: parseVar(env, 'SOC_STEPUP_MAX_TOKEN_AGE', maxAge, 5 * 60_000)!,
    flowTimeoutMs: 10 * 60_000,
  };
}

/** Fail closed: when a rule asks for step-up, the configuration must be there; the error names the first variable. */
export function requireStepUpConfig(env: Env, rulesAsking: string[]): StepUpConfig | undefined {
  const config = loadStepUpConfig(env);
  if (!config && rulesAsking.length > 0)
    throw new ConfigError(
      'SOC_STEPUP_TENANT_ID',
      `must be set (with SOC_STEPUP_CLIENT_ID, SOC_STEPUP_CLIENT_SECRET, SOC_STEPUP_PUBLIC_URL, SOC_STEPUP_AUTH_CONTEXT): rules ${rulesAsking.join(', ')} ask for step-up before a "yes" counts (or set stepUp: false on them)`,
    );
  return config;
}
