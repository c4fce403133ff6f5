import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { CodecServerConfig } from '../../common/config/codec-server';

/** Who may have payloads decrypted: the configured bearer token, or an Entra access token of the tenant and audience. */
export type CodecAuth = (authorization: string | undefined) => Promise<boolean>;

const digest = (text: string) => createHash('sha256').update(text).digest();

export function codecAuth(config: Pick<CodecServerConfig, 'token' | 'entra'>): CodecAuth {
  const expected = config.token ? digest(config.token) : undefined;
  const jwks = config.entra ? createRemoteJWKSet(new URL(config.entra.jwksUrl)) : undefined;
  return async (authorization) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!bearer) return false;
    // Constant time: equal-length digests, compared whole.
    if (expected && timingSafeEqual(digest(bearer), expected)) return true;
    if (!jwks || !config.entra) return false;
    try {
      await jwtVerify(bearer, jwks, {
        issuer: config.entra.issuer,
        audience: config.entra.audience,
        algorithms: ['RS256'],
        clockTolerance: 300,
      });
      return true;
    } catch {
      return false;
    }
  };
}

/** `npm start`'s demo: no authentication, on 127.0.0.1 only (see the README's security model). */
export const openAuth: CodecAuth = async () => true;
