import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { defenderPollWorkflow } from '../../workflows/defender-poll';

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
 * Starts the Defender XDR poll workflow, or returns the one already running (safe to call at every start-up). The
 * worker on `taskQueue` must register the activities from `activities/defender-feed.ts`.
 */
export function startDefenderPolling(
  client: Client,
  options: DefenderPollingOptions,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof defenderPollWorkflow>> {
  return client.workflow.start(defenderPollWorkflow, {
    workflowId: defenderPollWorkflowId(options.tenant),
    taskQueue: options.taskQueue,
    args: [{ intervalMs: options.intervalMs }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Poll Defender XDR alerts every ${Math.round(options.intervalMs / 1000)} s`,
  });
}
