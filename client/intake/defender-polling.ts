import { WorkflowNotFoundError, type Client, type WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import { defenderPollSettingsSignal, defenderPollWorkflow } from '../../workflows/defender-poll/workflow';

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
  return client.workflow.signalWithStart(defenderPollWorkflow, {
    workflowId: defenderPollWorkflowId(options.tenant),
    taskQueue: options.taskQueue,
    args: [{ intervalMs: options.intervalMs }],
    signal: defenderPollSettingsSignal,
    signalArgs: [{ intervalMs: options.intervalMs }],
    staticSummary: `Poll Defender XDR alerts (tenant ${options.tenant ?? 'default'})`,
  });
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
