import {
  AuthenticationError,
  ClientCertificateCredential,
  ClientSecretCredential,
  type AccessToken,
  type TokenCredential,
} from '@azure/identity';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import type { GraphConfig } from '../../common/config/graph';
import { TokenError, type Service } from './errors';

/** Authorities that take part in instance discovery; any other host (a national cloud proxy, the stand-in) must not. */
const publicAuthorities = [
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
];

/** Client credentials for the app registration: a secret or a certificate, against the configured authority. */
export function createCredential(config: GraphConfig): TokenCredential {
  const options = {
    authorityHost: config.authorityHost,
    // Without this, MSAL asks the public cloud to validate any other authority and fails after ~5 s.
    disableInstanceDiscovery: !publicAuthorities.includes(new URL(config.authorityHost).hostname),
  };
  return config.credential.kind === 'secret'
    ? new ClientSecretCredential(config.tenantId, config.clientId, config.credential.secret, options)
    : new ClientCertificateCredential(
        config.tenantId,
        config.clientId,
        { certificate: config.credential.pem },
        options,
      );
}

const hints: Record<string, string> = {
  invalid_client: 'check GRAPH_CLIENT_SECRET / GRAPH_CLIENT_CERTIFICATE (expired or wrong credential)',
  unauthorized_client: 'check GRAPH_CLIENT_ID: the app registration is not known in this tenant',
  invalid_tenant: 'check GRAPH_TENANT_ID',
  invalid_request: 'check GRAPH_TENANT_ID and GRAPH_CLIENT_ID',
  invalid_resource: 'the service is not available in this tenant (for Defender for Endpoint: is the tenant onboarded?)',
  invalid_scope: 'the service is not available in this tenant',
};

/**
 * One access token per resource (Graph, Defender), kept until shortly before it expires; concurrent callers share one
 * token request. It is the Graph client's authentication provider.
 */
export class CachedToken implements AuthenticationProvider {
  private token?: AccessToken;
  private refreshAt = 0;
  private pending?: Promise<AccessToken>;

  constructor(
    private readonly credential: TokenCredential,
    readonly scope: string,
    private readonly service: Service,
    private readonly refreshMarginMs = 5 * 60_000,
  ) {}

  async getAccessToken(): Promise<string> {
    if (this.token && Date.now() < this.refreshAt) return this.token.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return (await this.pending).token;
  }

  /** Forget the cached token (the service rejected it). */
  invalidate(): void {
    this.token = undefined;
  }

  private async fetch(): Promise<AccessToken> {
    try {
      const token = await this.credential.getToken(this.scope);
      if (!token) throw new TokenError(`Entra ID returned no token for ${this.service}`, false);
      const now = Date.now();
      this.token = token;
      // Refresh a few minutes before expiry, or halfway through a short-lived token.
      this.refreshAt = token.expiresOnTimestamp - Math.min(this.refreshMarginMs, (token.expiresOnTimestamp - now) / 2);
      return token;
    } catch (err) {
      throw this.translate(err);
    }
  }

  private translate(err: unknown): TokenError {
    if (err instanceof TokenError) return err;
    const message = err instanceof Error ? err.message : String(err);
    // @azure/identity reports the token endpoint's OAuth error either as an AuthenticationError or, for errors MSAL
    // raises, inside the message ("invalid_client: Error(s): 7000215 - … Description: AADSTS7000215: …").
    const code = err instanceof AuthenticationError ? err.errorResponse.error : /^([a-z_]+):/.exec(message)?.[1];
    const aadsts = /AADSTS\d+: [^.]*\./.exec(
      err instanceof AuthenticationError ? (err.errorResponse.errorDescription ?? '') : message,
    )?.[0];
    const hint = code !== undefined ? hints[code] : undefined;
    if (hint)
      return new TokenError(
        `Entra ID refused a token for ${this.service} (${code}${aadsts ? `: ${aadsts}` : ''}): ${hint}`,
        true,
      );
    return new TokenError(
      `could not get a token for ${this.service} from Entra ID (${aadsts ?? message.split('\n')[0]})`,
      false,
    );
  }
}
