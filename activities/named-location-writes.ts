import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { namedLocationWorkflowId, type RangeEdit } from '../common/named-location';
import { workflowTypes } from '../common/workflow-types';
import { editNamedLocationUpdate } from '../common/messages/named-location';
import type { NamedLocationEditor } from './ports';

/** How a containment adapter submits an edit of the blocked-IP named location; resolves once it is applied. */
export type LocationWrites = (edit: RangeEdit, requestKey: string) => Promise<{ changed: boolean }>;

function settle(result: Awaited<ReturnType<NamedLocationEditor['applyEdits']>>[number]): { changed: boolean } {
  if ('changed' in result) return result;
  if (result.permanent) throw ApplicationFailure.nonRetryable(result.failed, 'NamedLocationEditFailed');
  throw ApplicationFailure.create({ message: result.failed, type: 'NamedLocationEditFailed' });
}

/**
 * Production: every edit goes to the location's writer workflow (update-with-start on the activity's own task queue,
 * through the worker's client), which applies edits one read-modify-write at a time across every worker process.
 * The update id is the request key, so a retried activity does not queue its edit twice.
 */
export function locationWritesThroughWorkflow(locationId: string | undefined): LocationWrites {
  return async (edit, requestKey) => {
    if (!locationId) {
      throw ApplicationFailure.nonRetryable(
        'no Conditional Access named location is configured for blocked IPs (set GRAPH_BLOCKED_IP_LOCATION_ID)',
        'NotConfigured',
      );
    }
    const ctx = Context.current();
    const startWorkflowOperation = new WithStartWorkflowOperation(workflowTypes.namedLocation, {
      workflowId: namedLocationWorkflowId(ctx.info.taskQueue, locationId),
      taskQueue: ctx.info.taskQueue,
      args: [{ locationId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    // Any failure here (the writer finished, idle, as the update arrived; the server is unreachable) is retried by
    // the activity: the edit itself is idempotent.
    return settle(
      await ctx.client.workflow.executeUpdateWithStart(editNamedLocationUpdate, {
        args: [edit],
        updateId: requestKey,
        startWorkflowOperation,
      }),
    );
  };
}

/** Outside a worker (adapter tests, scripts): one process, so an in-process queue is lock enough. */
export function locationWritesInProcess(editor: NamedLocationEditor): LocationWrites {
  let tail: Promise<unknown> = Promise.resolve();
  return (edit) => {
    const run = tail.catch(() => undefined).then(async () => settle((await editor.applyEdits([edit]))[0]!));
    tail = run;
    return run;
  };
}
