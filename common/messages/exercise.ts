import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Alert } from '../alert';
import type { ExerciseDetection, ExerciseMatch, ExerciseOutcome, OpenExercise } from '../exercise';

/**
 * The exercise registry of one rule (see `exerciseRegistryId`), its exercises and the triage cases that consult it.
 * Every match and every close goes through the registry's updates, one at a time: an alert either matched an
 * exercise before its window closed or it did not, and both sides see the same answer.
 */

/** An exercise opens its window (signal-with-start from the exercise's activity). */
export const openExerciseSignal = defineSignal<[OpenExercise]>('openExercise');

/** A triage case asks whether its alert is an exercise's; the first match of an exercise marks it detected. */
export const matchExerciseUpdate = defineUpdate<ExerciseMatch | null, [{ alert: Alert; caseWorkflowId: string }]>(
  'matchExercise',
);

/** The exercise's window has ended: the registry answers its outcome and forgets it. */
export const closeExerciseUpdate = defineUpdate<ExerciseOutcome, [string]>('closeExercise');

/** The registry tells the exercise at once when its first alert arrives. */
export const exerciseDetectedSignal = defineSignal<[ExerciseDetection]>('exerciseDetected');

/** The exercise's record so far. */
export const exerciseStatusQuery = defineQuery<ExerciseStatus>('exerciseStatus');

export interface ExerciseStatus extends Partial<ExerciseOutcome> {
  exerciseId: string;
  startedAt?: string;
  endsAt?: string;
  state: 'opening' | 'open' | 'closed';
}
