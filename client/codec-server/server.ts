import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { SECRET_LOG_PATHS } from '../intake/redact';
import type { CodecAuth } from './auth';

/**
 * The Temporal codec server protocol: `POST /encode` and `POST /decode` with `{"payloads": [{metadata, data}]}`
 * (metadata values and data base64), `X-Namespace` naming the namespace. Browsers (the Web UI) are served only from
 * the configured origins; every request needs a caller `auth` accepts.
 */

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const body = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() })).max(10_000),
});
type JsonPayload = z.infer<typeof body>['payloads'][number];

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: data ? Buffer.from(data, 'base64') : undefined,
});
const toJson = ({ metadata, data }: Payload) => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: data ? Buffer.from(data).toString('base64') : undefined,
});

export interface CodecServerOptions {
  codec: PayloadCodec;
  auth: CodecAuth;
  corsOrigins: string[];
  logger?: boolean | { level: string };
}

export async function buildCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false ? false : { level: 'info', ...(options.logger as object), redact: SECRET_LOG_PATHS },
    bodyLimit: 8 * 1024 * 1024,
  });
  const origins = new Set(options.corsOrigins);

  // CORS by hand, so the rule is visible: a browser request from any other origin is refused outright.
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (!origins.has(origin)) return reply.code(403).send({ error: `origin ${origin} is not allowed` });
    reply
      .header('Access-Control-Allow-Origin', origin)
      .header('Vary', 'Origin')
      .header('Access-Control-Allow-Credentials', 'true');
    if (request.method === 'OPTIONS')
      return reply
        .code(204)
        .header('Access-Control-Allow-Methods', 'POST, OPTIONS')
        .header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
        .header('Access-Control-Max-Age', '600')
        .send();
  });
  app.addHook('preHandler', async (request, reply) => {
    if (request.method === 'OPTIONS' || request.url === '/healthz') return;
    if (!(await options.auth(request.headers.authorization)))
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'a valid bearer token is required' });
  });
  app.options('/*', async (_request, reply) => reply.code(204).send());
  app.get('/healthz', async () => ({ ok: true }));

  const route =
    (transform: (payloads: Payload[]) => Promise<Payload[]>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const parsed = body.safeParse(request.body);
      if (!parsed.success)
        return reply.code(400).send({ error: `body: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
      try {
        return { payloads: (await transform(parsed.data.payloads.map(fromJson))).map(toJson) };
      } catch (err) {
        return reply.code(422).send({ error: err instanceof Error ? err.message : String(err) });
      }
    };
  app.post(
    '/decode',
    route((payloads) => options.codec.decode(payloads)),
  );
  app.post(
    '/encode',
    route((payloads) => options.codec.encode(payloads)),
  );
  return app;
}
