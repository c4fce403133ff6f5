import * as wf from '@temporalio/workflow';
import type { TriageActivities } from '../../activities';

/** The triage workflow's activities, each with the timeouts and retries its kind of work needs. */

export const ENRICHMENT_ATTEMPTS = 5;
export const CONTAINMENT_ATTEMPTS = 10;

export const { gatherContext } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: ENRICHMENT_ATTEMPTS,
  },
});

export const { readContainmentState } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: CONTAINMENT_ATTEMPTS,
  },
});

export const { applyContainment, undoContainment } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: CONTAINMENT_ATTEMPTS,
  },
});

// One message each: a crashed worker costs a retry within seconds, not minutes.
const oneMessage = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
} as const;

export const { askUser, remindUser, updateQuestion, escalate, updateCaseCard } =
  wf.proxyActivities<TriageActivities>(oneMessage);

/**
 * The same messages posted by the worker that woke the case, inside its workflow task (local activities). A deadline
 * wakes thousands of cases at once: this way each costs one workflow task, not one per message plus the activity
 * tasks, and the analysts hear of the silence sooner.
 */
export const fromTheWorker = wf.proxyLocalActivities<TriageActivities>(oneMessage);

// Beside the case, never blocking it: throttling waits for Retry-After (nextRetryDelay), a permanent failure stops.
export const { writeBackToSource } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
});
