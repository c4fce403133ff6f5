import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IntakeSource, SourceAuth } from '../../common/config/intake';
import { IntakeHttpError } from './errors';
import { parameterName } from './redact';

/**
 * Per-source authentication. Secrets are compared in constant time and never appear in errors or logs.
 *
 * HMAC: `X-SOC-Timestamp: <unix seconds>` and `X-SOC-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
 * A timestamp more than 5 minutes off is refused, and so is a signature that was already accepted within that window.
 */

export const TIMESTAMP_HEADER = 'x-soc-timestamp';
export const SIGNATURE_HEADER = 'x-soc-signature';
export const REPLAY_WINDOW_MS = 5 * 60_000;

/**
 * Constant time in the presented value: the comparison always runs over the expected secret's length, whatever was
 * sent (no per-request hashing: creating a hash object costs more than the rest of the check).
 */
export function secretsEqual(given: string | Buffer, expected: string | Buffer): boolean {
  const known = Buffer.isBuffer(expected) ? expected : Buffer.from(expected, 'utf8');
  const presented = Buffer.isBuffer(given) ? given : Buffer.from(given, 'utf8');
  const sameLength = presented.length === known.length;
  return timingSafeEqual(sameLength ? presented : known, known) && sameLength;
}

export interface RequestCredentials {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}

const unauthorized = (
  code: 'missing_credentials' | 'invalid_credentials' | 'stale_signature' | 'replayed_signature',
  message: string,
  challenge?: string,
) => new IntakeHttpError(401, code, message, undefined, challenge ? { 'WWW-Authenticate': challenge } : {});

function header(credentials: RequestCredentials, name: string): string | undefined {
  const value = credentials.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The `token` query parameter by its parsed name (the query is decoded already; `TOKEN` is the same parameter, as it is
 * to the log redaction). Sent twice, it is no token: which one to trust would be a guess.
 */
function urlToken(query: Record<string, unknown>): unknown {
  const values = Object.entries(query)
    .filter(([name]) => parameterName(name) === 'token')
    .flatMap(([, value]) => (Array.isArray(value) ? value : [value]));
  return values.length === 1 ? values[0] : undefined;
}

/** Remembers accepted signatures for the replay window; bounded, oldest forgotten first. */
class SeenSignatures {
  private readonly seen = new Map<string, number>();
  constructor(private readonly max = 100_000) {}

  /** false if `signature` was already claimed within the window. */
  claim(signature: string, now: number): boolean {
    this.expire(now);
    if (this.seen.has(signature)) return false;
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(signature, now + REPLAY_WINDOW_MS);
    return true;
  }

  release(signature: string): void {
    this.seen.delete(signature);
  }

  private expire(now: number): void {
    for (const [signature, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(signature);
    }
  }
}

export interface Authenticator {
  /** Checks what can be checked before the body is read. Throws `IntakeHttpError` (401/403). */
  beforeBody(source: IntakeSource, credentials: RequestCredentials): void;
  /**
   * Checks what needs the body (the HMAC signature). Returns the claimed signature, to be released with
   * `releaseSignature` if the delivery is not acknowledged, so the sender's retry of it is not taken for a replay.
   */
  withBody(source: IntakeSource, credentials: RequestCredentials, rawBody: Buffer): string | undefined;
  releaseSignature(signature: string): void;
}

export function createAuthenticator(
  auth: Record<IntakeSource, SourceAuth | undefined>,
  now: () => number = Date.now,
): Authenticator {
  const seen = new SeenSignatures();
  const configured = (source: IntakeSource): SourceAuth => {
    const method = auth[source];
    if (!method) {
      throw new IntakeHttpError(
        403,
        'source_disabled',
        `source "${source}" is not enabled: configure SOC_INTAKE_${source.toUpperCase()}_TOKEN (or another method) or SOC_INTAKE_TOKEN`,
      );
    }
    return method;
  };

  return {
    beforeBody(source, credentials) {
      const method = configured(source);
      switch (method.method) {
        case 'none':
          return;
        case 'bearer': {
          const authorization = header(credentials, 'authorization');
          const token = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
          if (!token)
            throw unauthorized('missing_credentials', 'send the token as "Authorization: Bearer <token>"', 'Bearer');
          if (!secretsEqual(token, method.token))
            throw unauthorized('invalid_credentials', 'the bearer token is not valid', 'Bearer');
          return;
        }
        case 'header': {
          const token = header(credentials, method.header)?.trim();
          if (!token) throw unauthorized('missing_credentials', `send the token in the ${method.header} header`);
          if (!secretsEqual(token, method.token))
            throw unauthorized('invalid_credentials', `the token in ${method.header} is not valid`);
          return;
        }
        case 'url-token': {
          const token = urlToken(credentials.query);
          if (typeof token !== 'string' || token === '') {
            throw unauthorized('missing_credentials', 'add the token to the URL as ?token=<token>');
          }
          if (!secretsEqual(token, method.token))
            throw unauthorized('invalid_credentials', 'the token in the URL is not valid');
          return;
        }
        case 'basic': {
          const authorization = header(credentials, 'authorization');
          const encoded = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
          const challenge = 'Basic realm="soc-intake", charset="UTF-8"';
          if (!encoded)
            throw unauthorized('missing_credentials', 'send Basic credentials in the Authorization header', challenge);
          const decoded = Buffer.from(encoded, 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          const username = colon >= 0 ? decoded.slice(0, colon) : decoded;
          const password = colon >= 0 ? decoded.slice(colon + 1) : '';
          // Both comparisons always run, so timing does not tell which part was wrong.
          const userOk = secretsEqual(username, method.username);
          const passwordOk = secretsEqual(password, method.password);
          if (!(userOk && passwordOk))
            throw unauthorized('invalid_credentials', 'the Basic credentials are not valid', challenge);
          return;
        }
        case 'hmac': {
          const timestamp = header(credentials, TIMESTAMP_HEADER);
          const signature = header(credentials, SIGNATURE_HEADER);
          if (!timestamp || !signature) {
            throw unauthorized(
              'missing_credentials',
              `send ${TIMESTAMP_HEADER} (unix seconds) and ${SIGNATURE_HEADER} (sha256=<hex HMAC of "<timestamp>.<body>">)`,
            );
          }
          if (!/^\d{1,12}$/.test(timestamp.trim()))
            throw unauthorized('invalid_credentials', `${TIMESTAMP_HEADER} must be unix seconds`);
          if (Math.abs(now() - Number(timestamp.trim()) * 1000) > REPLAY_WINDOW_MS) {
            throw unauthorized(
              'stale_signature',
              `${TIMESTAMP_HEADER} is more than 5 minutes from the intake's clock; sign each delivery when it is sent`,
            );
          }
          return;
        }
      }
    },

    withBody(source, credentials, rawBody) {
      const method = configured(source);
      if (method.method !== 'hmac') return undefined;
      const timestamp = header(credentials, TIMESTAMP_HEADER)!.trim();
      const given = header(credentials, SIGNATURE_HEADER)!
        .trim()
        .replace(/^sha256=/i, '')
        .toLowerCase();
      const expected = createHmac('sha256', method.secret).update(`${timestamp}.`).update(rawBody).digest('hex');
      if (!secretsEqual(given, expected))
        throw unauthorized('invalid_credentials', `${SIGNATURE_HEADER} does not match the body`);
      const claim = `${source}:${expected}`;
      if (!seen.claim(claim, now())) {
        throw unauthorized(
          'replayed_signature',
          'this signed delivery was already accepted; sign a new delivery with a fresh timestamp',
        );
      }
      return claim;
    },

    releaseSignature(signature) {
      seen.release(signature);
    },
  };
}

/** Signs a body the way the intake expects (for senders, tests and the demo's curl example). */
export function signBody(secret: string, body: string | Buffer, timestampSeconds = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
  return { [TIMESTAMP_HEADER]: String(timestampSeconds), [SIGNATURE_HEADER]: `sha256=${signature}` };
}
