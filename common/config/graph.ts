import { z } from 'zod';
import { ConfigError, parseVar, readPem, wholeNumber, type Env } from './env';

/**
 * Microsoft Graph and Defender for Endpoint: which tenant, which application registration, which endpoints. With no
 * tenant configured the product runs in demo mode (`loadGraphConfig` returns undefined).
 */

export interface GraphConfig {
  tenantId: string;
  clientId: string;
  /** A client secret, or a PEM file holding the certificate and its private key (preferred in production). */
  credential: { kind: 'secret'; secret: string } | { kind: 'certificate'; pem: string; path: string };
  /** Entra ID authority, `https://login.microsoftonline.com` unless a national cloud or a local stand-in. */
  authorityHost: string;
  /** Graph root without the version, `https://graph.microsoft.com` unless a national cloud or a local stand-in. */
  graphBaseUrl: string;
  /** Token scope for Graph. */
  graphScope: string;
  /** Defender for Endpoint API root, `https://api.securitycenter.microsoft.com` (or a regional / local one). */
  defenderBaseUrl: string;
  /** Token scope for Defender for Endpoint (the same for every regional endpoint). */
  defenderScope: string;
  /** Id of the Conditional Access IP named location that a block policy uses; block-ip fails clearly without it. */
  blockedIpNamedLocationId: string | undefined;
  isolationType: 'Full' | 'Selective';
  /** How long one HTTP request may take before it counts as a transient failure. */
  requestTimeoutMs: number;
}

/** Hosts whose Graph token audience is the host itself (global and national clouds). */
const nationalGraphHosts = [
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
];

const guid = z
  .string()
  .regex(
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    "must be a GUID (find it on the app registration's overview page)",
  );
const tenant = z
  .string()
  .regex(
    /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/,
    'must be the directory (tenant) id, a GUID, or a verified domain such as contoso.onmicrosoft.com',
  );
export const httpsRoot = z.string().transform((raw, ctx) => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL such as https://graph.microsoft.com' });
    return z.NEVER;
  }
  if (parsed.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'must be an https:// URL (tokens are only sent over HTTPS)' });
    return z.NEVER;
  }
  if (parsed.search || parsed.hash || parsed.username) {
    ctx.addIssue({ code: 'custom', message: 'must be a bare root URL without query, fragment or credentials' });
    return z.NEVER;
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
});

const graphVariables = [
  'GRAPH_TENANT_ID',
  'GRAPH_CLIENT_ID',
  'GRAPH_CLIENT_SECRET',
  'GRAPH_CLIENT_CERTIFICATE',
  'GRAPH_AUTHORITY_HOST',
  'GRAPH_BASE_URL',
  'DEFENDER_BASE_URL',
  'GRAPH_BLOCKED_IP_LOCATION_ID',
  'DEFENDER_ISOLATION_TYPE',
  'GRAPH_TIMEOUT_SECONDS',
] as const;

const isolationType = z.enum(
  ['Full', 'Selective'],
  'must be Full (the default) or Selective (Outlook, Teams and Skype keep working), with that capitalisation',
);

export function loadGraphConfig(env: Env = process.env): GraphConfig | undefined {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  // Every value is checked first, so an invalid one is named as itself, not as a missing tenant.
  const tenantId = parseVar(env, 'GRAPH_TENANT_ID', tenant);
  const clientId = parseVar(env, 'GRAPH_CLIENT_ID', guid);
  const secret = parseVar(env, 'GRAPH_CLIENT_SECRET', z.string().min(8, 'looks too short to be a client secret'));
  const certificate = readPem(env, 'GRAPH_CLIENT_CERTIFICATE');
  const authorityHost = parseVar(env, 'GRAPH_AUTHORITY_HOST', httpsRoot, 'https://login.microsoftonline.com')!;
  const graphBaseUrl = parseVar(env, 'GRAPH_BASE_URL', httpsRoot, 'https://graph.microsoft.com')!;
  const defenderBaseUrl = parseVar(env, 'DEFENDER_BASE_URL', httpsRoot, 'https://api.securitycenter.microsoft.com')!;
  const blockedIpNamedLocationId = parseVar(env, 'GRAPH_BLOCKED_IP_LOCATION_ID', guid);
  const isolation = parseVar(env, 'DEFENDER_ISOLATION_TYPE', isolationType, 'Full')!;
  // Below the enrichment activity's 30 s heartbeat timeout, so a slow request fails as itself, not as a lost worker.
  const timeoutSeconds = parseVar(env, 'GRAPH_TIMEOUT_SECONDS', wholeNumber(1, 120, 'a whole number of seconds'), 20)!;
  if (!tenantId) {
    const stray = graphVariables.find(set);
    if (stray)
      throw new ConfigError('GRAPH_TENANT_ID', `must be set when ${stray} is (or unset ${stray} to run in demo mode)`);
    return undefined;
  }
  if (!clientId)
    throw new ConfigError('GRAPH_CLIENT_ID', 'must be set to the application (client) id of the app registration');
  if (secret && certificate) {
    throw new ConfigError(
      'GRAPH_CLIENT_CERTIFICATE',
      'and GRAPH_CLIENT_SECRET are both set: configure exactly one credential',
    );
  }
  if (!secret && !certificate) {
    throw new ConfigError('GRAPH_CLIENT_SECRET', 'or GRAPH_CLIENT_CERTIFICATE must be set: the app needs a credential');
  }
  if (certificate && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(certificate.toString('utf8'))) {
    throw new ConfigError(
      'GRAPH_CLIENT_CERTIFICATE',
      'must name a PEM file holding both the certificate and its private key',
    );
  }
  const graphHost = new URL(graphBaseUrl).hostname;
  return {
    tenantId,
    clientId,
    credential: secret
      ? { kind: 'secret', secret }
      : { kind: 'certificate', pem: certificate!.toString('utf8'), path: env.GRAPH_CLIENT_CERTIFICATE! },
    authorityHost,
    graphBaseUrl,
    graphScope: `${nationalGraphHosts.includes(graphHost) ? new URL(graphBaseUrl).origin : 'https://graph.microsoft.com'}/.default`,
    defenderBaseUrl,
    defenderScope: 'https://api.securitycenter.microsoft.com/.default',
    blockedIpNamedLocationId,
    isolationType: isolation,
    requestTimeoutMs: timeoutSeconds * 1000,
  };
}
