import * as wf from '@temporalio/workflow';
import type { TriageActivities } from '../../activities';
import type { ExerciseMatch } from '../../common/exercise';
import type { CaseState, QuestionState, UserRef } from '../../common/triage';
import { failureReason } from './failures';

/**
 * A case's first step from this version on: ask the rule's exercise registry whether the alert is a detection
 * exercise's. Older recorded histories replay without it. A local activity: one marker in history, no task round trip.
 */
const DETECTION_EXERCISE = 'detection-exercise';
/** An exercise started with --ask-user asks the user first; only such cases take this path (and record the marker). */
const EXERCISE_ASK_USER = 'exercise-ask-user';

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

/** Whether the case asks the user before it closes as the exercise's: the exercise says so and the alert names a user. */
export function asksTheUser(exercise: ExerciseMatch, user: UserRef | undefined): boolean {
  return exercise.askUser === true && user !== undefined && wf.patched(EXERCISE_ASK_USER);
}

const role = (exercise: ExerciseMatch) => (exercise.first ? 'detected it' : 'matched it again (already detected)');

function questionOutcome(question: QuestionState | undefined): string {
  const answer = question?.answer?.answer;
  if (answer) return `the user answered "${answer}"`;
  if (question?.outcome === 'undeliverable') return 'the question could not be delivered';
  if (question?.outcome === 'expired') return 'the user did not answer by the deadline';
  return 'the question was not settled';
}

/** Why the case closed as the exercise's; `question` when the exercise asked the user. */
export function exerciseCloseReason(exercise: ExerciseMatch, question?: QuestionState): string {
  const handled = exercise.askUser
    ? `the user was asked as the exercise says (${questionOutcome(question)}); nothing contained`
    : 'nobody asked, nothing contained';
  return `detection exercise ${exercise.exerciseId}: this alert ${role(exercise)}; handled as the exercise — ${handled}`;
}

/** The analysts hear of a user's silence as they would for a real alert, told it is an exercise. */
export const exerciseSilenceReason = (exercise: ExerciseMatch) =>
  `no response from the user — a detection exercise (${exercise.exerciseId}): nothing is contained, the case closes as the exercise's`;

export const EXERCISE_NOT_CONTAINED = 'a detection exercise case is never contained';
