import * as wf from '@temporalio/workflow';
import type { TriageActivities } from '../../activities';
import type { ExerciseMatch } from '../../common/exercise';
import type { CaseState } from '../../common/triage';
import { failureReason } from './failures';

/**
 * A case's first step from this version on: ask the rule's exercise registry whether the alert is a detection
 * exercise's. Older recorded histories replay without it. A local activity: one marker in history, no task round trip.
 */
const DETECTION_EXERCISE = 'detection-exercise';

const { matchExercise } = wf.proxyLocalActivities<TriageActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** The exercise the case's alert belongs to; undefined for a real alert, or when the registry cannot be asked. */
export async function exerciseOf(state: CaseState): Promise<ExerciseMatch | undefined> {
  if (!wf.patched(DETECTION_EXERCISE)) return undefined;
  try {
    const match = await matchExercise({
      taskQueue: wf.workflowInfo().taskQueue,
      caseWorkflowId: state.workflowId,
      alert: state.alert,
    });
    return match ?? undefined;
  } catch (err) {
    if (wf.isCancellation(err)) throw err;
    // Never dismiss a real alert because the registry could not answer: it is handled as one.
    wf.log.warn('could not consult the detection exercises; the alert is handled as a real one', {
      reason: failureReason(err),
    });
    return undefined;
  }
}

export function exerciseCloseReason(exercise: ExerciseMatch): string {
  const role = exercise.first ? 'detected it' : 'matched it again (already detected)';
  return `detection exercise ${exercise.exerciseId}: this alert ${role}; handled as the exercise — nobody asked, nothing contained`;
}
