import type { Client } from '@temporalio/client';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { intakeSources, type IntakeConfig, type IntakeSource } from '../../common/config/intake';
import type { RuleCatalog } from '../../common/rules';
import { createAuthenticator } from './auth';
import { AlertDispatcher } from './dispatch';
import { IntakeHttpError, type ErrorBody } from './errors';
import { IntakeMetrics } from './metrics';
import { SECRET_LOG_PATHS, redactUrl } from './redact';
import { ALERT_ROUTE, alertRoutes } from './routes/alerts';
import { operationRoutes } from './routes/operations';

export interface IntakeServerOptions {
  client: Client;
  taskQueue: string;
  rules: Pick<RuleCatalog, 'policyFor'>;
  /** Entra object ids of the analysts whose decisions the triage workflows accept. */
  analysts: string[];
  config: IntakeConfig;
  /** Fastify's logger: `false`, `true`, pino options (level, stream…), or a logger instance. Default: info to stdout. */
  logger?: boolean | (FastifyServerOptions['logger'] & object) | FastifyBaseLogger;
  /** Attach alerts of the same rule and user to the open case (rules that ask the user). Default true. */
  correlate?: boolean;
}

export interface IntakeServer extends FastifyInstance {
  intake: { metrics: IntakeMetrics; dispatcher: AlertDispatcher };
}

const serializers = {
  req: (request: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
    method: request.method,
    url: redactUrl(request.url),
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
  }),
};
const redact = SECRET_LOG_PATHS;

function loggerOptions(logger: IntakeServerOptions['logger']): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === false) return { logger: false };
  if (logger && typeof logger === 'object' && typeof (logger as FastifyBaseLogger).child === 'function') {
    // A logger of the caller's still writes request URLs redacted.
    return { loggerInstance: (logger as FastifyBaseLogger).child({}, { serializers, redact }) };
  }
  const options = typeof logger === 'object' ? logger : {};
  return {
    logger: {
      level: 'info',
      ...options,
      serializers: { ...serializers, ...(options as { serializers?: object }).serializers },
      redact,
    },
  };
}

/**
 * Deliveries get one access line, written by the alert route with the outcome (alert lines carry the alert ids);
 * Fastify's own "incoming request" / "request completed" pair would triple the logging at SIEM rates. Other routes and
 * every error keep Fastify's lines.
 */
class IntakeLogController extends LogController {
  override incomingRequest(...args: Parameters<LogController['incomingRequest']>): void {
    if (args[0].routeOptions.url !== ALERT_ROUTE) super.incomingRequest(...args);
  }

  override requestCompleted(...args: Parameters<LogController['requestCompleted']>): void {
    const [error, request] = args;
    if (error || request.routeOptions.url !== ALERT_ROUTE) super.requestCompleted(...args);
  }
}

function errorBody(
  error: FastifyError,
  bodyLimit: number,
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof IntakeHttpError) return { status: error.statusCode, body: error.body(), headers: error.headers };
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: {
          error: 'payload_too_large',
          message: `the body is larger than the limit of ${bodyLimit} bytes; split the delivery`,
        },
        headers: {},
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { error: 'unsupported_media_type', message: 'send application/json or application/x-ndjson' },
        headers: {},
      };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500)
    return {
      status: status === 413 || status === 415 ? status : 400,
      body: { error: 'invalid_request', message: error.message },
      headers: {},
    };
  return {
    status: 500,
    body: { error: 'internal_error', message: 'the intake failed on this request; it was logged' },
    headers: {},
  };
}

/**
 * The SIEM intake as a Fastify app: `POST /v1/alerts/{source}` plus health, readiness, metrics and OpenAPI. Call
 * `listen()` on the result (or `inject()` in tests); `close()` stops accepting and waits for requests in flight.
 */
export function buildIntakeServer(options: IntakeServerOptions): IntakeServer {
  const { client, taskQueue, rules, analysts, config } = options;
  const app = Fastify({
    ...loggerOptions(options.logger),
    bodyLimit: config.bodyLimitBytes,
    logController: new IntakeLogController(),
    // Several SIEMs keep connections open between deliveries.
    keepAliveTimeout: 65_000,
  }) as unknown as IntakeServer;

  const metrics = new IntakeMetrics();
  const dispatcher = new AlertDispatcher({
    client,
    taskQueue,
    rules,
    analysts,
    timeoutMs: config.temporalTimeoutMs,
    correlationTimeoutMs: config.correlationTimeoutMs,
    maxInFlight: config.maxInFlight,
    maxQueued: config.maxQueued,
    correlate: options.correlate,
    warn: (message) => app.log.warn(message),
  });
  app.decorate('intake', { metrics, dispatcher });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body, headers } = errorBody(error, config.bodyLimitBytes);
    const named = (request.params as { source?: string } | undefined)?.source?.toLowerCase();
    // Only known names become metric labels: a sender must not be able to create label values.
    const source = intakeSources.includes(named as IntakeSource) ? (named as IntakeSource) : 'unknown';
    if (status >= 500) request.log.error({ err: error }, 'intake failure');
    else {
      request.log.info({ source, reason: body.error, message: body.message }, 'request rejected');
      if (request.routeOptions.url === ALERT_ROUTE && body.error !== 'not_found' && body.error !== 'internal_error') {
        metrics.reject(source, body.error);
      }
    }
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'not_found',
      message: `${request.method} ${redactUrl(request.url).split('?')[0]} does not exist; see /openapi.json`,
    }),
  );

  app.register(alertRoutes, { config, auth: createAuthenticator(config.auth), dispatcher, metrics });
  app.register(operationRoutes, { client, dispatcher, metrics, retryAfterSeconds: config.retryAfterSeconds });
  return app;
}
