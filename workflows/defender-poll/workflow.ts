import * as wf from '@temporalio/workflow';
import type { DefenderFeedActivities } from '../../activities/defender-feed';
import {
  defenderPollSettingsSignal,
  defenderPollStatusQuery,
  pollDefenderNowSignal,
  type DefenderPollInput,
  type DefenderPollTotals,
} from '../../common/messages/defender-poll';

/**
 * Pulls Defender XDR alerts periodically and hands each to triage (one run per tenant: start it with a fixed workflow
 * id and conflict policy USE_EXISTING). The cursor lives in the workflow, so a restart of the worker resumes where the
 * last completed poll ended; it continues as new every few hundred polls to keep its history short.
 */

const { pollDefenderAlerts } = wf.proxyActivities<DefenderFeedActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  // The feed may be throttled or down for a while: keep trying, never skip a page.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function defenderPollWorkflow(input: DefenderPollInput): Promise<void> {
  let cursor = input.cursor;
  const totals: DefenderPollTotals = { polls: 0, accepted: 0, duplicates: 0, rejected: 0, ...input.totals };
  let pollNow = false;
  let intervalMs = input.intervalMs;
  wf.setHandler(defenderPollStatusQuery, () => ({ ...totals, cursor, intervalMs }));
  wf.setHandler(defenderPollSettingsSignal, (settings) => {
    intervalMs = settings.intervalMs;
    pollNow = true; // the wait under way was timed with the old interval
  });
  wf.setHandler(pollDefenderNowSignal, () => {
    pollNow = true;
  });

  for (let poll = 0; poll < (input.pollsPerRun ?? 500); poll++) {
    let page;
    try {
      page = await pollDefenderAlerts.executeWithOptions(
        { summary: `Poll Defender XDR alerts since ${cursor ?? 'the start'}` },
        [{ cursor }],
      );
    } catch (err) {
      // A permanent failure (say, a missing permission) must not end the poller: report it and try again later.
      if (!(err instanceof wf.ActivityFailure)) throw err;
      totals.lastError = err.cause?.message ?? err.message;
      wf.log.warn('Defender poll failed; trying again after the interval', { error: totals.lastError });
      pollNow = false;
      await wf.condition(() => pollNow, intervalMs, { summary: 'Wait before polling Defender again' });
      continue;
    }
    delete totals.lastError;
    cursor = page.cursor;
    totals.polls++;
    totals.accepted += page.accepted;
    totals.duplicates += page.duplicates;
    totals.rejected += page.rejected;
    totals.lastPolledAt = new Date().toISOString();
    if (!page.more) {
      pollNow = false;
      await wf.condition(() => pollNow, intervalMs, { summary: 'Wait for the next Defender poll' });
    }
  }
  await wf.condition(wf.allHandlersFinished);
  await wf.continueAsNew<typeof defenderPollWorkflow>({ ...input, intervalMs, cursor, totals });
}
