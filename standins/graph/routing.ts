import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Live } from './context';
import { faultResult, sleep, type Faults } from './faults';
import type { RequestLog } from './request-log';
import { DEFENDER_RESOURCE, errorResult, GRAPH_RESOURCE, HttpError, type Resource, type Result } from './responses';
import type { RouteName } from './routes';
import type { Tokens } from './tokens';

/**
 * How every Graph and Defender route runs: logged, its token and application permissions checked, injected faults
 * applied before the work or after its effect, and errors answered in the API's shape.
 */

export interface Ctx {
  req: FastifyRequest;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  path: string;
}

/** Registers a route; `permissions` lists what the app needs, each entry satisfied by any one of its permissions. */
export type Route = (
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  name: RouteName,
  resource: Resource,
  permissions: string[][],
  handler: (ctx: Ctx) => Result,
) => void;

export function createRouter(
  app: FastifyInstance,
  { live, tokens, faults, requestLog }: { live: Live; tokens: Tokens; faults: Faults; requestLog: RequestLog },
): Route {
  return (method, path, name, resource, permissions, handler) => {
    app.route({
      method,
      url: path,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const entry = requestLog.record(req, name);
        const send = (result: Result) => {
          entry.status = result.status;
          const retryAfter = result.headers?.['Retry-After'];
          if (retryAfter !== undefined) entry.retryAfterSeconds = Number(retryAfter);
          reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
          reply.code(result.status).headers(result.headers ?? {});
          return result.body === undefined ? reply.send() : reply.send(result.body);
        };
        try {
          if (resource) {
            const claims = tokens.verify(req.headers.authorization);
            if (typeof claims === 'string')
              return send(
                errorResult(
                  resource,
                  401,
                  resource === DEFENDER_RESOURCE ? 'Unauthorized' : 'InvalidAuthenticationToken',
                  claims,
                  req,
                ),
              );
            entry.audience = claims.aud;
            if (claims.aud !== resource) {
              return send(
                errorResult(
                  resource,
                  401,
                  resource === DEFENDER_RESOURCE ? 'Unauthorized' : 'InvalidAuthenticationToken',
                  'Access token validation failure. Invalid audience.',
                  req,
                ),
              );
            }
            const granted = new Set(live.state.app.permissions);
            if (!permissions.every((anyOf) => anyOf.some((p) => granted.has(p)))) {
              return send(
                errorResult(
                  resource,
                  403,
                  resource === DEFENDER_RESOURCE ? 'Forbidden' : 'Authorization_RequestDenied',
                  resource === DEFENDER_RESOURCE
                    ? 'The application does not have any of the required application roles.'
                    : 'Insufficient privileges to complete the operation.',
                  req,
                ),
              );
            }
          }
          const latency = faults.take(name, 'latency');
          if (latency?.kind === 'latency') {
            entry.fault = 'latency';
            await sleep(latency.ms);
          }
          const before = faults.take(name, 'before');
          if (before) {
            entry.fault = before.kind;
            if (before.kind === 'hang') return await new Promise<never>(() => undefined);
            if (before.kind === 'error') return send(faultResult(resource, before, req));
          }
          const ctx: Ctx = {
            req,
            params: req.params as Record<string, string>,
            query: req.query as Record<string, string>,
            body: req.body,
            path: req.url.split('?')[0]!,
          };
          const result = handler(ctx);
          const after = faults.take(name, 'after-effect');
          if (after) {
            entry.fault = after.kind;
            if (after.kind === 'hang') return await new Promise<never>(() => undefined);
            if (after.kind === 'error') return send(faultResult(resource, after, req));
          }
          return send(result);
        } catch (err) {
          if (err instanceof HttpError)
            return send(errorResult(resource, err.status, err.code, err.message, req, err.headers));
          return send(errorResult(resource, 500, 'generalException', String(err), req));
        }
      },
    });
  };
}

/** Graph clients send JSON (sometimes an empty body on POST); the token endpoint gets a form. */
export function parseBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (!body) return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new HttpError(400, 'BadRequest', 'Unable to read JSON request payload.'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body || undefined));
}

/** Requests no route matches, and errors outside a route's handler (an unreadable body), in the API's shape. */
export function answerUnrouted(app: FastifyInstance, requestLog: RequestLog): void {
  app.setNotFoundHandler((req, reply) => {
    const entry = requestLog.record(req);
    entry.status = 404;
    const resource = req.url.startsWith('/api/') ? DEFENDER_RESOURCE : GRAPH_RESOURCE;
    const result = errorResult(
      resource,
      404,
      resource === DEFENDER_RESOURCE ? 'ResourceNotFound' : 'BadRequest',
      `Resource not found for the segment '${req.url.split('?')[0]}'.`,
      req,
    );
    return reply
      .code(404)
      .headers(result.headers ?? {})
      .send(result.body);
  });

  app.setErrorHandler((err, req, reply) => {
    const status = err instanceof HttpError ? err.status : 500;
    const result = errorResult(
      req.url.startsWith('/api/') ? DEFENDER_RESOURCE : GRAPH_RESOURCE,
      status,
      err instanceof HttpError ? err.code : 'generalException',
      err instanceof Error ? err.message : String(err),
      req,
    );
    return reply
      .code(status)
      .headers(result.headers ?? {})
      .send(result.body);
  });
}
