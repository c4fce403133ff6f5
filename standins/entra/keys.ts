import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The stand-in's ID token signing key (RS256), published as a JWKS like Entra's `discovery/v2.0/keys`. */
export interface SigningKeys {
  jwks: { keys: JWK[] };
  sign(claims: JWTPayload): Promise<string>;
}

export async function createSigningKeys(): Promise<SigningKeys> {
  const kid = randomUUID();
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  return {
    jwks: { keys: [jwk] },
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey as CryptoKey),
  };
}
