import { WorkflowNotFoundError, type Client, type WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import { z } from 'zod';
import type { DefenderAlertSink } from '../../activities/defender-feed';
import type { AlertDispatcher } from './dispatch';
import { problemsOf, summarize } from './errors';
import { defender } from './sources';
import { defenderPollSettingsSignal } from '../../common/messages/defender-poll';
import { workflowTypes } from '../../common/workflow-types';
import type { defenderPollWorkflow } from '../../workflows/defender-poll/workflow';

export interface DefenderPollingOptions {
  taskQueue: string;
  intervalMs: number;
  /** The tenant polled; one poll workflow per tenant. */
  tenant?: string;
}

export function defenderPollWorkflowId(tenant = 'default'): string {
  return `defender-poll:${encodeURIComponent(tenant)}`;
}

/**
 * Starts the Defender XDR poll workflow, or hands the running one this start's settings (safe to call at every
 * start-up: a changed interval takes effect at once). The worker on `taskQueue` must register the activities from
 * `activities/defender-feed.ts`.
 */
export function startDefenderPolling(
  client: Client,
  options: DefenderPollingOptions,
): Promise<WorkflowHandleWithSignaledRunId<typeof defenderPollWorkflow>> {
  return client.workflow.signalWithStart<typeof defenderPollWorkflow, [{ intervalMs: number }]>(
    workflowTypes.defenderPoll,
    {
      workflowId: defenderPollWorkflowId(options.tenant),
      taskQueue: options.taskQueue,
      args: [{ intervalMs: options.intervalMs }],
      signal: defenderPollSettingsSignal,
      signalArgs: [{ intervalMs: options.intervalMs }],
      staticSummary: `Poll Defender XDR alerts (tenant ${options.tenant ?? 'default'})`,
    },
  );
}

/** Cancels the tenant's poll workflow if one runs (polling turned off); true if there was one. */
export async function stopDefenderPolling(client: Client, tenant?: string): Promise<boolean> {
  const handle = client.workflow.getHandle(defenderPollWorkflowId(tenant));
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return false;
    await handle.cancel();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * The Defender poll's sink in the product: the intake's own normalizer and dispatcher, so a pulled alert takes the
 * same path as a pushed one (identity, dedupe, correlation, promoted policies).
 */
export function defenderAlertSink(
  dispatcher: Pick<AlertDispatcher, 'dispatch'>,
  options: { upnSuffix?: string } = {},
): DefenderAlertSink {
  return {
    async accept(raw) {
      let item;
      try {
        item = defender.normalize(raw, { upnSuffix: options.upnSuffix });
      } catch (err) {
        if (!(err instanceof z.ZodError)) throw err;
        return { rejected: summarize(problemsOf(err)) };
      }
      return dispatcher.dispatch(item);
    },
  };
}
