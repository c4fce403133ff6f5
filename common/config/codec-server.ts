import { z } from 'zod';
import { ConfigError, parseVar, type Env } from './env';

/**
 * The codec server (`npm run codec`): decrypts payloads for the Temporal Web UI and CLI, for authenticated callers
 * only. A caller presents SOC_CODEC_TOKEN as a bearer token, or an Entra access token of the configured tenant and
 * audience (the UI passes the analyst's own with TEMPORAL_CODEC_PASS_ACCESS_TOKEN, over https). Browsers are served
 * only from SOC_CODEC_CORS_ORIGINS. `open` (no authentication) exists for `npm start`'s demo alone, which binds to
 * 127.0.0.1.
 */
export interface CodecServerConfig {
  host: string;
  port: number;
  corsOrigins: string[];
  token: string | undefined;
  entra: { jwksUrl: string; issuer: string; audience: string } | undefined;
}

const origin = z.url({ protocol: /^https?$/, error: 'must list origins such as https://temporal-ui.example.com' });

export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  const host = parseVar(env, 'SOC_CODEC_HOST', z.string().min(1), '127.0.0.1')!;
  const port = parseVar(
    env,
    'SOC_CODEC_PORT',
    z.coerce.number().int().min(1, 'must be a port number').max(65535, 'must be a port number'),
    8888,
  )!;
  const corsOrigins = (env.SOC_CODEC_CORS_ORIGINS ?? 'http://localhost:8233')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      const parsed = origin.safeParse(o);
      if (!parsed.success) throw new ConfigError('SOC_CODEC_CORS_ORIGINS', `has ${o}, which is not an http(s) origin`);
      return new URL(o).origin;
    });
  const token = parseVar(env, 'SOC_CODEC_TOKEN', z.string().min(32, 'must be at least 32 random characters'));
  const tenant = parseVar(
    env,
    'SOC_CODEC_ENTRA_TENANT_ID',
    z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a tenant id'),
  );
  const audience = parseVar(env, 'SOC_CODEC_ENTRA_AUDIENCE', z.string().min(1));
  if (Boolean(tenant) !== Boolean(audience))
    throw new ConfigError(
      tenant ? 'SOC_CODEC_ENTRA_AUDIENCE' : 'SOC_CODEC_ENTRA_TENANT_ID',
      'must be set together with the other to accept Entra access tokens',
    );
  const authority = parseVar(env, 'SOC_CODEC_ENTRA_AUTHORITY', z.url(), 'https://login.microsoftonline.com')!;
  const entra =
    tenant && audience
      ? {
          jwksUrl: `${authority.replace(/\/$/, '')}/${tenant}/discovery/v2.0/keys`,
          issuer: parseVar(env, 'SOC_CODEC_ENTRA_ISSUER', z.url(), `https://login.microsoftonline.com/${tenant}/v2.0`)!,
          audience,
        }
      : undefined;
  if (!token && !entra)
    throw new ConfigError(
      'SOC_CODEC_TOKEN',
      '(or SOC_CODEC_ENTRA_TENANT_ID with SOC_CODEC_ENTRA_AUDIENCE) must be set: the codec server decrypts for authenticated callers only',
    );
  return { host, port, corsOrigins, token, entra };
}
