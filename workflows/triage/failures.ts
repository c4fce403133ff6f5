import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { enrichmentParts, type Enrichment } from '../../common/triage';

/** The reason an analyst reads for a failed step: the innermost cause of an activity failure. */
export function failureReason(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Context that could not be gathered at all (every attempt lost, to errors or timeouts): each part says why. */
export function unavailableContext(err: unknown): Enrichment {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  // A timed-out attempt keeps the parts it had gathered in its last heartbeat.
  const gathered =
    cause instanceof TimeoutFailure && cause.lastHeartbeatDetails && typeof cause.lastHeartbeatDetails === 'object'
      ? (cause.lastHeartbeatDetails as Partial<Enrichment>)
      : {};
  const reason = `context could not be gathered: ${failureReason(err)}`;
  return Object.fromEntries(
    enrichmentParts.map((part) => [part, gathered[part] ?? { status: 'unavailable', reason }]),
  ) as unknown as Enrichment;
}
