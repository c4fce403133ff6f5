import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { isCancellation } from '@temporalio/workflow';
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

/** One batch activity; when it fails for good, every request of it is recorded as failed with the reason. */
export async function batchOrFailed<R>(run: () => Promise<R[]>, failedAll: (reason: string) => R[]): Promise<R[]> {
  try {
    return await run();
  } catch (err) {
    if (isCancellation(err)) throw err;
    return failedAll(failureReason(err));
  }
}
