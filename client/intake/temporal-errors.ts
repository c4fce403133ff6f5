import { isGrpcServiceError, NamespaceNotFoundError, ServiceError } from '@temporalio/client';
import { IntakeHttpError } from './errors';
import { OverloadedError } from './limiter';

/**
 * Turns a failure to reach or use Temporal into the answer a sender should get: 429 when Temporal or the intake is
 * overloaded, 422 when Temporal refuses the alert itself as invalid (a retry cannot help), 503 for everything else
 * Temporal-related, with `Retry-After`. Nothing was acknowledged, so the
 * sender's retry is safe: a start that did reach Temporal comes back as a duplicate.
 */

const grpc = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
} as const;

/** The gRPC status code of a client error or of one of its causes. */
function grpcCodeOf(err: unknown): number | undefined {
  for (let cause: unknown = err, depth = 0; cause && depth < 5; depth++) {
    if (isGrpcServiceError(cause)) return cause.code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

const isUnavailableCode = (code: number | undefined) =>
  code === grpc.UNAVAILABLE || code === grpc.DEADLINE_EXCEEDED || code === grpc.CANCELLED;

function isTemporalFailure(err: unknown): boolean {
  return (
    err instanceof ServiceError ||
    err instanceof NamespaceNotFoundError ||
    grpcCodeOf(err) !== undefined ||
    (err instanceof Error && /^(TransportError|ServiceError)$/.test(err.name))
  );
}

export function temporalHttpError(err: unknown, retryAfterSeconds: number): IntakeHttpError | undefined {
  const headers = { 'Retry-After': String(retryAfterSeconds) };
  if (err instanceof OverloadedError) {
    return new IntakeHttpError(
      429,
      'intake_overloaded',
      `the intake is at capacity (${err.message}); retry later`,
      undefined,
      headers,
    );
  }
  if (!isTemporalFailure(err)) return undefined;
  const code = grpcCodeOf(err);
  if (code === grpc.RESOURCE_EXHAUSTED) {
    return new IntakeHttpError(
      429,
      'temporal_overloaded',
      'Temporal is overloaded (rate limited); retry later',
      undefined,
      headers,
    );
  }
  if (code === grpc.INVALID_ARGUMENT) {
    // The alert itself is what Temporal refused: a retry would be refused again.
    return new IntakeHttpError(
      422,
      'invalid_alert',
      `Temporal refused the alert (${(err as Error).message?.split('\n')[0] ?? 'invalid argument'})`,
    );
  }
  const why = isUnavailableCode(code)
    ? 'Temporal is unreachable or did not answer in time'
    : `Temporal refused the request (${(err as Error).message?.split('\n')[0] ?? 'unknown error'})`;
  return new IntakeHttpError(
    503,
    'temporal_unavailable',
    `${why}; nothing was acknowledged, retry later`,
    undefined,
    headers,
  );
}
