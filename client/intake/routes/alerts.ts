import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { intakeSources, type IntakeConfig, type IntakeSource } from '../../../common/config/intake';
import type { Authenticator } from '../auth';
import { acceptedMediaTypes, parseDocuments } from '../body';
import { checkContentEncoding, decodedBody } from '../content-encoding';
import { processDelivery } from '../delivery';
import type { AlertDispatcher } from '../dispatch';
import { IntakeHttpError } from '../errors';
import type { IntakeMetrics } from '../metrics';
import { redactUrl } from '../redact';
import { pushSources } from '../sources';

/** `POST /v1/alerts/{source}`: authenticate, read, normalize, hand to Temporal, answer per alert. */

export interface AlertRouteOptions {
  config: IntakeConfig;
  auth: Authenticator;
  dispatcher: AlertDispatcher;
  metrics: IntakeMetrics;
}

const querySchema = z.object({
  instance: z
    .string()
    .regex(/^[A-Za-z0-9._:/@-]{1,200}$/, 'must be 1–200 letters, digits or . _ : / @ -')
    .optional(),
  token: z.string().optional(),
});

export const ALERT_ROUTE = '/v1/alerts/:source';

type AlertRequest = FastifyRequest<{ Params: { source: string }; Querystring: Record<string, unknown> }>;

function sourceOf(request: AlertRequest): IntakeSource {
  const source = request.params.source?.toLowerCase();
  if (!(intakeSources as readonly string[]).includes(source)) {
    throw new IntakeHttpError(
      404,
      'unknown_source',
      `unknown source "${String(request.params.source).slice(0, 40)}"; use one of ${intakeSources.join(', ')}`,
    );
  }
  return source as IntakeSource;
}

export async function alertRoutes(
  app: FastifyInstance,
  { config, auth, dispatcher, metrics }: AlertRouteOptions,
): Promise<void> {
  // Bodies are kept as bytes: the HMAC is computed over exactly what was sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    acceptedMediaTypes,
    { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes },
    (_request, body, done) => done(null, body),
  );
  app.addContentTypeParser('*', (request, _payload, done) =>
    done(
      new IntakeHttpError(
        415,
        'unsupported_media_type',
        `Content-Type "${String(request.headers['content-type'] ?? '(none)').slice(0, 80)}" is not supported; send application/json or application/x-ndjson`,
      ),
      undefined,
    ),
  );

  app.post<{ Params: { source: string }; Querystring: Record<string, unknown> }>(ALERT_ROUTE, {
    // Credentials are checked before the body is read, so an unauthenticated sender cannot make the intake parse it.
    onRequest: async (request) => {
      auth.beforeBody(sourceOf(request), { headers: request.headers, query: request.query });
      checkContentEncoding(request.headers['content-encoding']);
    },
    handler: async (request, reply) => {
      const source = sourceOf(request);
      const raw = request.body as Buffer | undefined;
      if (!raw || raw.length === 0)
        throw new IntakeHttpError(400, 'empty_body', 'the request body is empty; send the alert as JSON');
      const claim = auth.withBody(source, { headers: request.headers, query: request.query }, raw);
      let acknowledged = false;
      try {
        const query = querySchema.safeParse(request.query);
        if (!query.success) {
          throw new IntakeHttpError(
            400,
            'invalid_request',
            `query parameter ${query.error.issues[0]?.path.join('.')} ${query.error.issues[0]?.message}`,
          );
        }
        // The signature covers the bytes as sent; the documents are read from them decompressed.
        const body = await decodedBody(raw, request.headers['content-encoding'], config.bodyLimitBytes);
        const answer = await processDelivery({
          adapter: pushSources[source],
          documents: parseDocuments(body, request.headers['content-type']),
          context: { upnSuffix: config.upnSuffix, instance: query.data.instance },
          dispatcher,
          maxAlerts: config.maxAlertsPerDelivery,
          retryAfterSeconds: config.retryAfterSeconds,
          metrics,
          log: request.log,
        });
        acknowledged = answer.statusCode < 300;
        return reply.code(answer.statusCode).headers(answer.headers).send(answer.body);
      } finally {
        // A sender retries what was not acknowledged with the same signature; that retry is not a replay.
        if (claim && !acknowledged) auth.releaseSignature(claim);
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const named = (request.params as { source?: string } | undefined)?.source;
    if (request.routeOptions.url === ALERT_ROUTE) {
      const source = intakeSources.includes(named as IntakeSource) ? named! : 'unknown';
      metrics.observe(source, reply.statusCode, reply.elapsedTime / 1000);
      request.log.info(
        {
          method: request.method,
          url: redactUrl(request.url),
          source,
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          remoteAddress: request.ip,
        },
        'delivery answered',
      );
    }
  });
}
