import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';

/**
 * Validates the Bot Framework token on every activity Teams sends to the bot (Bot Connector authentication):
 * keys from configurable OpenID metadata (`jwks_uri`), RS256 only, issuer https://api.botframework.com, audience = the
 * bot's app id, 5 minutes of clock skew, the signing key endorsed for the activity's channel (`msteams`), and the
 * token's `serviceurl` claim equal to the activity's `serviceUrl`.
 *
 * Why `jose` and not the Agents SDK's `authorizeJWT`: for issuer api.botframework.com the SDK hard-codes
 * https://login.botframework.com/v1/.well-known/keys (no configurable metadata, so it cannot be tested against a
 * local key set), also accepts the audience https://api.botframework.com, and checks neither key endorsements nor
 * the `serviceurl` claim (CloudAdapter compares hosts only, and by default only warns).
 */

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

export class BotAuthError extends Error {
  override name = 'BotAuthError';
  /** 401: the request is not from the Bot Framework for this bot. 503: the keys could not be fetched. */
  constructor(
    readonly status: 401 | 503,
    message: string,
  ) {
    super(message);
  }
}

export interface BotTokenVerifierOptions {
  appId: string;
  openIdMetadataUrl: string;
  issuer?: string;
  clockToleranceSeconds?: number;
  /** How long metadata and keys are trusted before being fetched again; default 24 h (Microsoft rotates keys). */
  metadataMaxAgeMs?: number;
  timeoutMs?: number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

export interface VerifiedCaller {
  claims: JWTPayload;
}

const metadataSchema = z.object({
  jwks_uri: z.url({ protocol: /^https$/ }),
  id_token_signing_alg_values_supported: z.array(z.string()).optional(),
});

const jwkEndorsements = z.object({ kid: z.string().optional(), endorsements: z.array(z.string()).optional() }).loose();

/** Token problems (401); anything else from jose — a key set that cannot be fetched — is our problem (503). */
const tokenErrorCodes = new Set([
  joseErrors.JWTExpired.code,
  joseErrors.JWTClaimValidationFailed.code,
  joseErrors.JWTInvalid.code,
  joseErrors.JWSInvalid.code,
  joseErrors.JWSSignatureVerificationFailed.code,
  joseErrors.JOSEAlgNotAllowed.code,
  joseErrors.JOSENotSupported.code,
  joseErrors.JWKSNoMatchingKey.code,
  joseErrors.JWKSMultipleMatchingKeys.code,
]);

function normalizeServiceUrl(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host.toLowerCase()}${parsed.pathname.replace(/\/+$/, '')}`;
}

export function createBotTokenVerifier(options: BotTokenVerifierOptions) {
  const issuer = options.issuer ?? BOT_FRAMEWORK_ISSUER;
  const clockTolerance = options.clockToleranceSeconds ?? 300;
  const maxAge = options.metadataMaxAgeMs ?? 24 * 3_600_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let keys: { set: ReturnType<typeof createRemoteJWKSet>; loadedAt: number } | undefined;
  let loading: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (keys && Date.now() - keys.loadedAt < maxAge) return keys.set;
    loading ??= (async () => {
      try {
        let response: Response;
        try {
          response = await fetchImpl(options.openIdMetadataUrl, {
            redirect: 'error',
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (err) {
          throw new BotAuthError(
            503,
            `OpenID metadata ${options.openIdMetadataUrl} unreachable: ${err instanceof Error ? err.message : err}`,
          );
        }
        if (!response.ok)
          throw new BotAuthError(503, `OpenID metadata ${options.openIdMetadataUrl} answered HTTP ${response.status}`);
        const metadata = metadataSchema.safeParse(await response.json().catch(() => undefined));
        if (!metadata.success)
          throw new BotAuthError(503, `OpenID metadata ${options.openIdMetadataUrl} has no https jwks_uri`);
        const set = createRemoteJWKSet(new URL(metadata.data.jwks_uri), {
          timeoutDuration: timeoutMs,
          cacheMaxAge: maxAge,
          ...(options.fetch ? { [customFetch]: options.fetch } : {}),
        });
        keys = { set, loadedAt: Date.now() };
        return set;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  return {
    /**
     * Checks the `Authorization` header of one activity; `activity` is the parsed body (its `serviceUrl` and
     * `channelId` are compared with the token). Throws `BotAuthError`.
     */
    async verify(
      authorization: string | undefined,
      activity: { serviceUrl?: unknown; channelId?: unknown },
    ): Promise<VerifiedCaller> {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
      if (!match) throw new BotAuthError(401, 'missing or malformed bearer token');
      const channelId = typeof activity.channelId === 'string' ? activity.channelId : '';
      const set = await keySet();

      const getKey: JWTVerifyGetKey = async (header, token) => {
        if (!header.kid) throw new BotAuthError(401, 'token header names no signing key (kid)');
        const key = await set(header, token);
        const jwk = jwkEndorsements.safeParse(set.jwks()?.keys.find((k) => k.kid === header.kid));
        const endorsements = jwk.success ? (jwk.data.endorsements ?? []) : [];
        if (!channelId || !endorsements.includes(channelId)) {
          throw new BotAuthError(401, `signing key ${header.kid} is not endorsed for channel "${channelId || 'none'}"`);
        }
        return key;
      };

      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(match[1]!, getKey, {
          issuer,
          audience: options.appId,
          algorithms: ['RS256'],
          clockTolerance,
          requiredClaims: ['exp', 'serviceurl'],
        }));
      } catch (err) {
        if (err instanceof BotAuthError) throw err;
        if (err instanceof joseErrors.JOSEError && tokenErrorCodes.has(err.code))
          throw new BotAuthError(401, `token rejected: ${err.message}`);
        if (err instanceof joseErrors.JOSEError)
          throw new BotAuthError(503, `signing keys unavailable: ${err.message}`);
        throw new BotAuthError(401, `token rejected: ${err instanceof Error ? err.message : String(err)}`);
      }

      const claimed = typeof claims.serviceurl === 'string' ? normalizeServiceUrl(claims.serviceurl) : undefined;
      const actual = typeof activity.serviceUrl === 'string' ? normalizeServiceUrl(activity.serviceUrl) : undefined;
      if (!claimed || !actual || claimed !== actual) {
        throw new BotAuthError(401, 'the activity serviceUrl does not match the token serviceurl claim');
      }
      return { claims };
    },
  };
}

export type BotTokenVerifier = ReturnType<typeof createBotTokenVerifier>;
