import * as wf from '@temporalio/workflow';
import type { PostureActivities } from '../../activities/posture';

/** The posture activities, with the timeouts and retries their kind of work needs. */

export const POSTURE_ATTEMPTS = 5;

export const { findPostureIssues, postureStillApplies } = wf.proxyActivities<PostureActivities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: POSTURE_ATTEMPTS,
  },
});

export const { openPostureFindings, submitPostureCases, reportContainmentDrift } =
  wf.proxyActivities<PostureActivities>({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: POSTURE_ATTEMPTS,
    },
  });

/** The activity's own message when it failed, for the record. */
export function reasonOf(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof wf.ActivityFailure && cause.cause) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
