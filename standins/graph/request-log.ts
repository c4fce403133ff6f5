import type { FastifyRequest } from 'fastify';
import type { Fault } from './faults';
import type { RouteName } from './routes';

/** Every request the stand-in receives, in arrival order, with what it answered. */

export interface LoggedRequest {
  seq: number;
  /** Arrival time (ms since the epoch). */
  at: number;
  /** When the response was written (ms since the epoch); absent while pending or when the request hung. */
  respondedAt?: number;
  method: string;
  /** Path without the query string, for example `/v1.0/users/jdoe@contoso.example`. */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  route?: RouteName;
  /** For token requests: how the app proved itself. */
  grant?: 'client_secret' | 'client_assertion';
  /** The raw `Authorization` header, if any. */
  authorization?: string;
  /** The resource the bearer token was issued for, when it verified. */
  audience?: string;
  clientRequestId?: string;
  body?: unknown;
  status?: number;
  /** The `Retry-After` the response carried, in seconds. */
  retryAfterSeconds?: number;
  /** The injected fault that shaped the response, if any. */
  fault?: Fault['kind'];
}

export interface RequestLog {
  /** Cleared in place by the stand-in's `reset()`. */
  entries: LoggedRequest[];
  record(req: FastifyRequest, name?: RouteName): LoggedRequest;
}

export function createRequestLog(): RequestLog {
  const entries: LoggedRequest[] = [];
  let seq = 0;
  return {
    entries,
    record(req, name) {
      const entry: LoggedRequest = {
        seq: ++seq,
        at: Date.now(),
        method: req.method,
        path: req.url.split('?')[0]!,
        query: { ...(req.query as Record<string, string>) },
        route: name,
        authorization: req.headers.authorization,
        clientRequestId: req.headers['client-request-id'] as string | undefined,
        body: req.body,
      };
      entries.push(entry);
      return entry;
    },
  };
}
