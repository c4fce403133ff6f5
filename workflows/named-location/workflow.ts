import * as wf from '@temporalio/workflow';
import type { RangeEdit, RangeEditResult } from '../../common/named-location';
import type { NamedLocationActivities } from '../../activities';
import { editNamedLocationUpdate } from '../../common/messages/named-location';

const EDIT_ATTEMPTS = 5;
const MAX_EDITS_PER_WRITE = 100;
const IDLE_BEFORE_FINISHING = '10 minutes';

// A local activity: it runs in the writer's own worker, so containment activities waiting on this workflow can never
// hold every activity slot the edit itself needs.
const { applyNamedLocationEdits } = wf.proxyLocalActivities<NamedLocationActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: EDIT_ATTEMPTS,
  },
});

function permanentFailure(err: unknown): { failed: string; permanent: boolean } {
  let cause: unknown = err;
  while (cause instanceof wf.ActivityFailure && cause.cause) cause = cause.cause;
  return {
    failed: cause instanceof Error ? cause.message : String(cause),
    permanent: cause instanceof wf.ApplicationFailure && cause.nonRetryable === true,
  };
}

/**
 * The single writer of one Conditional Access named location (workflow id from `namedLocationWorkflowId`): edits
 * arrive as updates from containment activities in any worker process, queue here, and are applied in order, in
 * batches of one read-modify-write each. It finishes after a quiet spell; the next edit starts it again.
 */
export async function namedLocationWorkflow(input: { locationId: string }): Promise<void> {
  const queue: { edit: RangeEdit; settle: (result: RangeEditResult) => void }[] = [];
  wf.setHandler(
    editNamedLocationUpdate,
    (edit) => new Promise<RangeEditResult>((settle) => queue.push({ edit, settle })),
  );

  for (;;) {
    const busy = await wf.condition(() => queue.length > 0, IDLE_BEFORE_FINISHING);
    // An edit that arrives after the quiet spell but before the end is still applied.
    if (!busy && wf.allHandlersFinished()) break;
    if (!busy) continue;
    const batch = queue.splice(0, MAX_EDITS_PER_WRITE);
    let results: RangeEditResult[];
    try {
      results = await applyNamedLocationEdits(
        input.locationId,
        batch.map((b) => b.edit),
      );
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      const failure = permanentFailure(err);
      results = batch.map(() => failure);
    }
    batch.forEach((b, i) => b.settle(results[i]!));
    if (queue.length === 0 && wf.workflowInfo().continueAsNewSuggested) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof namedLocationWorkflow>(input);
    }
  }
}
