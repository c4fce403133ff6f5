import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * What every SIEM stand-in shares: HTTPS (the stand-in certificate, standins/tls.ts), a request log tests read,
 * injected faults per route (an error status, with Retry-After for 429, a number of times), and an auth check.
 */

export interface SiemFault {
  status: number;
  retryAfterSeconds?: number;
  /** How many requests it answers (default: until cleared). */
  times?: number;
}

export interface SiemLoggedRequest {
  seq: number;
  at: number;
  respondedAt?: number;
  method: string;
  path: string;
  query: Record<string, string>;
  route: string;
  body: unknown;
  status?: number;
  retryAfterSeconds?: number;
}

export interface SiemAnswer {
  status: number;
  body?: unknown;
}

export interface SiemStandInBase<R extends string> {
  url: string;
  log: SiemLoggedRequest[];
  requests(route: R): SiemLoggedRequest[];
  inject(route: R, fault: SiemFault): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

export interface SiemServer<R extends string> {
  app: FastifyInstance;
  /**
   * Registers a route: `auth` says why a request is not authenticated (401), else undefined; faults come next, then
   * the handler's answer (an `errorBody` shapes injected and auth errors in the API's own form).
   */
  route(method: 'GET' | 'POST' | 'PUT', url: string, name: R, handler: (req: FastifyRequest) => SiemAnswer): void;
  listen(host?: string, port?: number): Promise<SiemStandInBase<R>>;
}

export function createSiemServer<R extends string>(options: {
  tls: { cert: string; key: string };
  auth: (req: FastifyRequest) => string | undefined;
  errorBody: (status: number, message: string) => unknown;
}): SiemServer<R> {
  const app = Fastify({
    https: { cert: options.tls.cert, key: options.tls.key },
    forceCloseConnections: true,
    logger: false,
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  const log: SiemLoggedRequest[] = [];
  const faults = new Map<R, SiemFault[]>();
  let seq = 0;

  const takeFault = (name: R): SiemFault | undefined => {
    const list = faults.get(name);
    const fault = list?.[0];
    if (!fault) return undefined;
    if (fault.times !== undefined && --fault.times <= 0) list!.shift();
    return fault;
  };

  return {
    app,
    route(method, url, name, handler) {
      app.route({
        method,
        url,
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          const entry: SiemLoggedRequest = {
            seq: ++seq,
            at: Date.now(),
            method: req.method,
            path: req.url.split('?')[0]!,
            query: { ...(req.query as Record<string, string>) },
            route: name,
            body: req.body,
          };
          log.push(entry);
          const send = (answer: SiemAnswer, headers: Record<string, string> = {}) => {
            entry.status = answer.status;
            reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
            return reply.code(answer.status).headers(headers).send(answer.body);
          };
          const unauthenticated = options.auth(req);
          if (unauthenticated) return send({ status: 401, body: options.errorBody(401, unauthenticated) });
          const fault = takeFault(name);
          if (fault) {
            const headers: Record<string, string> =
              fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
            entry.retryAfterSeconds = fault.retryAfterSeconds;
            return send({ status: fault.status, body: options.errorBody(fault.status, 'Injected failure.') }, headers);
          }
          try {
            return send(handler(req));
          } catch (err) {
            return send({ status: 500, body: options.errorBody(500, String(err)) });
          }
        },
      });
    },
    async listen(host = '127.0.0.1', port = 0) {
      await app.listen({ host, port });
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('the stand-in did not get a TCP address');
      return {
        url: `https://${host}:${address.port}`,
        log,
        requests: (name) => log.filter((entry) => entry.route === name),
        inject(name, fault) {
          faults.set(name, [...(faults.get(name) ?? []), { ...fault }]);
        },
        clearFaults: () => faults.clear(),
        stop: () => app.close(),
      };
    },
  };
}
