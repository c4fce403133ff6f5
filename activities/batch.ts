import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ContainmentRequest } from '../common/triage';
import type { ContainmentContext } from './ports';

/**
 * Runs one step per request of a batch inside one activity. What each request achieved is kept in the heartbeat, so
 * a retry (or another worker after a crash) skips what is done. A permanent failure, or any failure on the final
 * attempt, is recorded for its request and the others go on; a transient one makes the activity retry, after the
 * longest `Retry-After` any request was given.
 */

export interface Batch {
  requests: ContainmentRequest[];
  /** The attempt on which transient failures stop being retried and are recorded as failed. */
  finalAttempt: number;
}

interface BatchProgress<R> {
  /** Per action: what its step heartbeated (for example a Defender machine action id). */
  details: Record<string, unknown>;
  done: Record<string, R>;
}

export function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isPermanent(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.nonRetryable === true;
}

export function retryDelayOf(err: unknown): number | undefined {
  if (err instanceof ApplicationFailure && err.nextRetryDelay !== undefined) {
    const delay = err.nextRetryDelay;
    return typeof delay === 'number' ? delay : undefined;
  }
  return undefined;
}

/** Of two transient failures, the one that asks to wait longer decides when the activity retries. */
export function longerWait(current: unknown, candidate: unknown): unknown {
  if (current === undefined) return candidate;
  return (retryDelayOf(candidate) ?? 0) > (retryDelayOf(current) ?? 0) ? candidate : current;
}

export async function runBatch<R>(
  batch: Batch,
  options: { parallel: boolean; type: string },
  step: (request: ContainmentRequest, context: ContainmentContext) => Promise<R>,
  failed: (request: ContainmentRequest, reason: string) => R,
): Promise<R[]> {
  const ctx = Context.current();
  const carried = ctx.info.heartbeatDetails as Partial<BatchProgress<R>> | undefined;
  const progress: BatchProgress<R> = { details: carried?.details ?? {}, done: carried?.done ?? {} };
  const finalAttempt = ctx.info.attempt >= batch.finalAttempt;
  const send = () => ctx.heartbeat(progress);
  const timer = setInterval(send, 2_000);
  let transient: unknown;

  const runOne = async (request: ContainmentRequest) => {
    if (progress.done[request.action] !== undefined) return;
    const context: ContainmentContext = {
      heartbeat: (details) => {
        progress.details[request.action] = details;
        send();
      },
      signal: ctx.cancellationSignal,
      attempt: ctx.info.attempt,
      priorDetails: progress.details[request.action],
    };
    try {
      progress.done[request.action] = await step(request, context);
      send();
    } catch (err) {
      if (isPermanent(err) || finalAttempt) {
        progress.done[request.action] = failed(request, reasonOf(err));
        send();
      } else {
        transient = longerWait(transient, err);
      }
    }
  };

  try {
    if (options.parallel) await Promise.all(batch.requests.map(runOne));
    else for (const request of batch.requests) if (transient === undefined) await runOne(request);
  } finally {
    clearInterval(timer);
  }
  if (transient !== undefined) {
    send();
    throw ApplicationFailure.create({
      message: `will retry: ${reasonOf(transient)}`,
      type: options.type,
      nextRetryDelay: retryDelayOf(transient),
    });
  }
  return batch.requests.map((request) => progress.done[request.action]!);
}
