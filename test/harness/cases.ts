import type { WorkflowHandle } from '@temporalio/client';
import type { CaseState } from '../../common/triage';
import { caseStateQuery } from '../../common/messages/triage';

/** Polls the case query until `predicate` holds. Queries do not advance a time-skipping server's clock. */
export async function waitForCase(
  handle: WorkflowHandle,
  predicate: (state: CaseState) => boolean,
  what = 'the expected case state',
  timeoutMs = 30_000,
): Promise<CaseState> {
  const deadline = Date.now() + timeoutMs;
  let last: CaseState | undefined;
  for (;;) {
    try {
      last = await handle.query(caseStateQuery);
      if (predicate(last)) return last;
    } catch (err) {
      // The first workflow task may not have run yet.
      if (!/not found|no poller|did not register a handler|query/i.test(String(err))) throw err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; last state: ${JSON.stringify(last && { triageState: last.triageState, disposition: last.disposition, question: last.question, containment: last.containment })}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Like `waitForCase`, and then waits until the case has no activity in flight, so what the activities did (questions
 * sent, escalations delivered) can be checked, and a time-skipping server is free to skip time.
 */
export async function waitForSettledCase(
  handle: WorkflowHandle,
  predicate: (state: CaseState) => boolean,
  what = 'the expected case state',
  timeoutMs = 30_000,
): Promise<CaseState> {
  const deadline = Date.now() + timeoutMs;
  await waitForCase(handle, predicate, what, timeoutMs);
  for (;;) {
    const description = await handle.describe();
    if (!description.raw.pendingActivities?.length) {
      const state = await handle.query(caseStateQuery);
      if (predicate(state)) return state;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} to settle`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
