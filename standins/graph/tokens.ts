import { constants, createHmac, randomBytes, randomUUID, timingSafeEqual, verify, X509Certificate } from 'node:crypto';
import type { Live } from './context';

/** Access tokens the stand-in issues (HS256, with the app's roles) and checks, and certificate client assertions. */

export interface Tokens {
  lifetimeSeconds: number;
  issue(resource: string): string;
  /** The token's claims, or why it does not verify. */
  verify(authorization: string | undefined): { aud: string; appid: string } | string;
  /** Why a certificate-signed client assertion does not hold, or undefined when it does. */
  assertionProblem(form: Record<string, string>, audience: string): string | undefined;
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export function createTokens(live: Live, lifetimeSeconds: number): Tokens {
  const signingKey = randomBytes(32);

  function issueToken(resource: string): string {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        aud: resource,
        iss: `https://sts.windows.net/${live.state.tenantId}/`,
        iat: now,
        nbf: now,
        exp: now + lifetimeSeconds,
        appid: live.state.app.clientId,
        tid: live.state.tenantId,
        roles: live.state.app.permissions,
        jti: randomUUID(),
      }),
    );
    const signature = base64url(createHmac('sha256', signingKey).update(`${header}.${payload}`).digest());
    return `${header}.${payload}.${signature}`;
  }

  function verifyToken(authorization: string | undefined): { aud: string; appid: string } | string {
    if (!authorization) return 'Access token is empty.';
    const match = /^Bearer (\S+)$/.exec(authorization);
    if (!match) return 'Access token is not a bearer token.';
    const [header, payload, signature] = match[1]!.split('.');
    if (!header || !payload || !signature) return 'Access token validation failure. Invalid token format.';
    const expected = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return 'Access token validation failure. Invalid signature.';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      aud: string;
      exp: number;
      appid: string;
    };
    if (claims.exp * 1000 < Date.now()) return 'Lifetime validation failed, the token is expired.';
    return claims;
  }

  /** Checks a certificate-signed client assertion (RS256 or PS256) against the app's registered certificate. */
  function assertionProblem(form: Record<string, string>, audience: string): string | undefined {
    if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return 'unsupported client_assertion_type';
    if (!live.state.app.certificatePem) return 'no certificate is registered for the app';
    const [header, payload, signature] = (form.client_assertion ?? '').split('.');
    if (!header || !payload || !signature) return 'malformed assertion';
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    const key = new X509Certificate(live.state.app.certificatePem).publicKey;
    const data = Buffer.from(`${header}.${payload}`);
    const sig = Buffer.from(signature, 'base64url');
    const valid =
      alg === 'RS256'
        ? verify('sha256', data, key, sig)
        : alg === 'PS256'
          ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
          : false;
    if (!valid) return `signature (${alg}) does not verify with the registered certificate`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      aud?: string;
      iss?: string;
      sub?: string;
      exp?: number;
    };
    if (claims.iss !== live.state.app.clientId || claims.sub !== live.state.app.clientId)
      return 'iss and sub must be the client id';
    if (claims.aud !== audience) return `aud must be ${audience}`;
    if (!claims.exp || claims.exp * 1000 < Date.now()) return 'the assertion has expired';
    return undefined;
  }

  return { lifetimeSeconds, issue: issueToken, verify: verifyToken, assertionProblem };
}
