import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { FastifyInstance } from 'fastify';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, newCodecKeyEntry } from '../../client/codec';
import { codecAuth } from '../../client/codec-server/auth';
import { buildCodecServer } from '../../client/codec-server/server';
import { loadCodecKeys } from '../../common/config/codec';
import { loadCodecServerConfig } from '../../common/config/codec-server';

const UI = 'https://temporal-ui.example.com';
const TOKEN = 'codec-token-0123456789abcdef0123456789';
const ISSUER = 'https://login.example/tenant-1/v2.0';
const AUDIENCE = 'api://soc-codec';
const codec = new EncryptionCodec(loadCodecKeys({ SOC_CODEC_KEYS: newCodecKeyEntry('k1') }, { demoKeyFile: false }));

let jwks: Server;
let app: FastifyInstance;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let base: string;

/** A real HTTP request (light-my-request's inject cannot load in Jest here). */
async function call(options: { method: string; url: string; headers?: Record<string, string>; payload?: unknown }) {
  const response = await fetch(`${base}${options.url}`, {
    method: options.method,
    headers: { ...(options.payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.payload ? JSON.stringify(options.payload) : undefined,
  });
  const body = await response.text();
  return {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers.entries()) as Record<string, string | undefined>,
    body,
    json: () => JSON.parse(body),
  };
}
beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/keys`;
  app = await buildCodecServer({
    codec,
    auth: codecAuth({ token: TOKEN, entra: { jwksUrl, issuer: ISSUER, audience: AUDIENCE } }),
    corsOrigins: [UI],
    logger: false,
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  jwks?.close();
});

const entraToken = (audience = AUDIENCE) =>
  new SignJWT({ oid: 'analyst' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(signingKey);

async function encrypted() {
  const [payload] = await codec.encode([defaultPayloadConverter.toPayload({ upn: 'jdoe@contoso.example' })!]);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload!.data!).toString('base64'),
  };
}

const decode = async (headers: Record<string, string>) =>
  call({
    method: 'POST',
    url: '/decode',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    payload: { payloads: [await encrypted()] },
  });

test('decrypts for no one without valid credentials', async () => {
  expect((await decode({})).statusCode).toBe(401);
  expect((await decode({ authorization: 'Bearer not-the-token' })).statusCode).toBe(401);
  expect((await decode({ authorization: `Bearer ${await entraToken('api://someone-else')}` })).statusCode).toBe(401);
  const refused = await decode({ authorization: 'Basic Zm9vOmJhcg==' });
  expect(refused.body).not.toContain('jdoe');
});

test('CORS: the Web UI origin may ask (with the codec headers); any other origin is refused', async () => {
  const preflight = (origin: string) =>
    call({
      method: 'OPTIONS',
      url: '/decode',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-namespace' },
    });
  const ok = await preflight(UI);
  expect(ok.statusCode).toBe(204);
  expect(ok.headers['access-control-allow-origin']).toBe(UI);
  expect(ok.headers['access-control-allow-headers']).toBe('Authorization, Content-Type, X-Namespace');
  const other = await preflight('https://evil.example');
  expect(other.statusCode).toBe(403);
  expect(other.headers['access-control-allow-origin']).toBeUndefined();
  expect((await decode({ origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` })).statusCode).toBe(403);
});

test('round trip with the bearer token, and decoding with an Entra access token of the tenant and audience', async () => {
  const plain = {
    metadata: { encoding: Buffer.from('json/plain').toString('base64') },
    data: Buffer.from('"x"').toString('base64'),
  };
  const encoded = await call({
    method: 'POST',
    url: '/encode',
    headers: { authorization: `Bearer ${TOKEN}`, origin: UI },
    payload: { payloads: [plain] },
  });
  expect(encoded.statusCode).toBe(200);
  expect(encoded.json().payloads[0].data).not.toBe(plain.data);
  const decoded = await call({
    method: 'POST',
    url: '/decode',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: encoded.json(),
  });
  expect(decoded.json().payloads).toEqual([plain]);

  const viaEntra = await decode({ authorization: `Bearer ${await entraToken()}`, origin: UI });
  expect(viaEntra.statusCode).toBe(200);
  expect(Buffer.from(viaEntra.json().payloads[0].data, 'base64').toString()).toContain('jdoe@contoso.example');
});

test('the codec server does not start without a way to authenticate callers', () => {
  expect(() => loadCodecServerConfig({})).toThrow(
    /^Invalid configuration: SOC_CODEC_TOKEN \(or SOC_CODEC_ENTRA_TENANT_ID/,
  );
  expect(() => loadCodecServerConfig({ SOC_CODEC_TOKEN: 'short' })).toThrow('SOC_CODEC_TOKEN must be at least 32');
  expect(() => loadCodecServerConfig({ SOC_CODEC_TOKEN: TOKEN, SOC_CODEC_CORS_ORIGINS: 'not a url' })).toThrow(
    'SOC_CODEC_CORS_ORIGINS',
  );
});
