import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { AlertDispatcher } from '../dispatch';
import type { IntakeMetrics } from '../metrics';
import { openApiDocument } from '../openapi';

/** Liveness, readiness (Temporal answers), Prometheus metrics and the OpenAPI document. */

export interface OperationRouteOptions {
  client: Client;
  dispatcher: AlertDispatcher;
  metrics: IntakeMetrics;
  retryAfterSeconds: number;
  readinessTimeoutMs?: number;
}

export async function operationRoutes(app: FastifyInstance, options: OperationRouteOptions): Promise<void> {
  const { client, dispatcher, metrics, retryAfterSeconds, readinessTimeoutMs = 2_000 } = options;
  const document = openApiDocument();

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    try {
      // The namespace, not only the frontend: a missing namespace would fail every start.
      await client.withDeadline(Date.now() + readinessTimeoutMs, () =>
        client.workflowService.describeNamespace({ namespace: client.options.namespace }),
      );
      return { status: 'ready', temporal: 'reachable', ...dispatcher.load };
    } catch (err) {
      request.log.warn({ err }, 'readiness check: Temporal did not answer');
      return reply
        .code(503)
        .header('Retry-After', String(retryAfterSeconds))
        .send({
          status: 'unavailable',
          temporal: 'unreachable',
          message: 'Temporal did not answer; alerts would get 503',
          ...dispatcher.load,
        });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/openapi.json', async () => document);
}
