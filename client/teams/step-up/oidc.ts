import { createHash, randomUUID, X509Certificate, createPrivateKey } from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { StepUpConfig } from '../../../common/config/step-up';
import { STEP_UP_METHOD, type StepUpProof } from '../../../common/step-up';
import { pkceChallenge, type SignInFlow } from './flows';

/**
 * The OpenID Connect side of step-up against Entra ID v2: the authorization request (code + PKCE S256, state, nonce,
 * `prompt=login`, `login_hint`, and `claims` asking for the authentication context in `acrs`), the code exchange, and
 * the checks an ID token must pass before an answer counts. `amr` is not in v2 ID tokens and is never looked at.
 */

const endpoints = (config: StepUpConfig) => {
  const base = `${config.authorityHost}/${config.tenantId}`;
  return {
    authorize: `${base}/oauth2/v2.0/authorize`,
    token: `${base}/oauth2/v2.0/token`,
    jwks: `${base}/discovery/v2.0/keys`,
    issuer: `${base}/v2.0`,
  };
};

export function authorizeUrl(config: StepUpConfig, state: string, flow: SignInFlow): string {
  const url = new URL(endpoints(config).authorize);
  const params: Record<string, string> = {
    client_id: config.clientId,
    response_type: 'code',
    response_mode: 'query',
    redirect_uri: config.redirectUri,
    scope: 'openid profile',
    state,
    nonce: flow.nonce,
    code_challenge: pkceChallenge(flow.codeVerifier),
    code_challenge_method: 'S256',
    prompt: 'login',
    claims: JSON.stringify({ id_token: { acrs: { essential: true, value: config.authContextId } } }),
  };
  if (flow.answerAs.includes('@')) params.login_hint = flow.answerAs;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/** A refusal the user reads on the page; nothing is sent to the workflow. */
export class StepUpRefusal extends Error {}

const tokenResponseSchema = z.object({ id_token: z.string().min(1) }).loose();
const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() }).loose();

/** The credential part of the token request: the secret, or an assertion signed with the certificate's key. */
async function clientAuthentication(config: StepUpConfig, audience: string): Promise<Record<string, string>> {
  if (config.credential.kind === 'secret') return { client_secret: config.credential.secret };
  const pem = config.credential.pem;
  const certificate = new X509Certificate(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----')));
  const x5t = createHash('sha1').update(certificate.raw).digest('base64url');
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t })
    .setIssuer(config.clientId)
    .setSubject(config.clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .sign(createPrivateKey(pem));
  return {
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
}

export interface IdTokenChecker {
  /** Exchanges the code and checks the ID token; the proof's facts, or a `StepUpRefusal` saying why not. */
  redeem(code: string, flow: SignInFlow, spendNonce: (nonce: string) => boolean): Promise<StepUpProof>;
}

const CLOCK_SKEW_S = 60;

const claimsSchema = z
  .object({
    oid: z.string().optional(),
    tid: z.string().optional(),
    nonce: z.string().optional(),
    iat: z.number().optional(),
    auth_time: z.number().optional(),
    acrs: z.array(z.string()).optional(),
  })
  .loose();

export function createIdTokenChecker(config: StepUpConfig, fetchImpl: typeof fetch = fetch): IdTokenChecker {
  const urls = endpoints(config);
  const keys = createRemoteJWKSet(new URL(urls.jwks), { [customFetch]: fetchImpl });
  const maxAgeS = config.maxTokenAgeMs / 1000;
  const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

  async function exchange(code: string, flow: SignInFlow): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: config.redirectUri,
      code_verifier: flow.codeVerifier,
      scope: 'openid profile',
      ...(await clientAuthentication(config, urls.token)),
    });
    let response: Response;
    try {
      response = await fetchImpl(urls.token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new StepUpRefusal(`Entra ID could not be reached (${err instanceof Error ? err.message : String(err)})`);
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const failure = tokenErrorSchema.safeParse(json);
      throw new StepUpRefusal(
        `Entra ID refused the sign-in code (${failure.success ? `${failure.data.error}: ${failure.data.error_description?.split('\n')[0] ?? ''}` : `HTTP ${response.status}`})`,
      );
    }
    const tokens = tokenResponseSchema.safeParse(json);
    if (!tokens.success) throw new StepUpRefusal('Entra ID answered without an ID token');
    return tokens.data.id_token;
  }

  return {
    async redeem(code, flow, spendNonce) {
      const idToken = await exchange(code, flow);
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(idToken, keys, {
          issuer: urls.issuer,
          audience: config.clientId,
          algorithms: ['RS256'],
          clockTolerance: CLOCK_SKEW_S,
          requiredClaims: ['exp', 'iat', 'nonce', 'oid', 'tid'],
        }));
      } catch (err) {
        const what = err instanceof errors.JOSEError ? err.message : String(err);
        throw new StepUpRefusal(`the ID token is not valid for this app and tenant (${what})`);
      }
      const claims = claimsSchema.parse(payload);
      if (claims.nonce !== flow.nonce || !spendNonce(claims.nonce))
        throw new StepUpRefusal('the ID token does not belong to this sign-in (nonce)');
      if (!same(claims.tid, config.tenantId)) throw new StepUpRefusal('the ID token is for another tenant');
      if (!same(claims.oid, flow.userObjectId))
        throw new StepUpRefusal('someone other than the person asked signed in');
      const now = Date.now() / 1000;
      const fresh = (at: number | undefined) => at !== undefined && at <= now + CLOCK_SKEW_S && now - at <= maxAgeS;
      if (!fresh(claims.iat))
        throw new StepUpRefusal('the sign-in is not fresh (the ID token was issued too long ago)');
      if (claims.auth_time !== undefined && !fresh(claims.auth_time))
        throw new StepUpRefusal('the sign-in is not fresh (auth_time is too long ago)');
      const acrs = claims.acrs ?? [];
      if (!acrs.includes(config.authContextId))
        throw new StepUpRefusal(
          `the sign-in did not satisfy authentication context ${config.authContextId} (multi-factor authentication was not completed)`,
        );
      return {
        verifiedAt: new Date().toISOString(),
        method: STEP_UP_METHOD,
        acrs,
        ...(claims.auth_time !== undefined ? { authTime: new Date(claims.auth_time * 1000).toISOString() } : {}),
      };
    },
  };
}
