import * as wf from '@temporalio/workflow';
import {
  alertMatchesExercise,
  type ExerciseDetection,
  type ExerciseMatch,
  type ExerciseOutcome,
  type OpenExercise,
} from '../../common/exercise';
import {
  closeExerciseUpdate,
  exerciseDetectedSignal,
  matchExerciseUpdate,
  openExerciseSignal,
} from '../../common/messages/exercise';

/**
 * The open detection exercises of one rule. Triage cases of the rule ask it, as their first step, whether their alert
 * is an exercise's; each exercise asks it for its outcome when its window ends. Both are Updates, handled one at a time
 * in workflow time, so an alert matches an exercise only while its window is open, and the exercise's outcome is the
 * same answer the case got. With no exercise open the registry completes; the next exercise starts a new run.
 */

export interface ExerciseRegistryInput {
  open?: OpenExercise[];
  detections?: Record<string, ExerciseDetection>;
}

const MESSAGES_PER_RUN = 1_000;

export async function exerciseRegistryWorkflow(input: ExerciseRegistryInput = {}): Promise<void> {
  const open = new Map((input.open ?? []).map((e) => [e.exerciseId, e]));
  const detections = new Map(Object.entries(input.detections ?? {}));
  /** The exercise's "detected" signal, delivered before its close is answered. */
  const told = new Map<string, Promise<void>>();
  let messages = 0;
  const used = () => messages > 0 || open.size > 0;

  const tell = (exerciseId: string, detection: ExerciseDetection) => {
    const delivery = wf
      .getExternalWorkflowHandle(exerciseId)
      .signal(exerciseDetectedSignal, detection)
      .catch((err: unknown) => wf.log.warn('could not tell the exercise it was detected', { exerciseId, err }));
    told.set(exerciseId, delivery);
  };

  wf.setHandler(openExerciseSignal, (exercise) => {
    messages++;
    if (!open.has(exercise.exerciseId)) open.set(exercise.exerciseId, exercise);
  });

  wf.setHandler(matchExerciseUpdate, ({ alert, caseWorkflowId }): ExerciseMatch | null => {
    messages++;
    const now = Date.now();
    // The oldest open exercise the alert matches: one answer, whatever order the exercises were opened in.
    const exercise = [...open.values()]
      .filter((e) => now <= Date.parse(e.endsAt) && alertMatchesExercise(e, alert))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.exerciseId.localeCompare(b.exerciseId))[0];
    if (!exercise) return null;
    let detection = detections.get(exercise.exerciseId);
    if (!detection) {
      detection = { caseWorkflowId, at: new Date(now).toISOString() };
      detections.set(exercise.exerciseId, detection);
      tell(exercise.exerciseId, detection);
    }
    const { exerciseId, startedAt, endsAt, plan } = exercise;
    return {
      exerciseId,
      ruleId: plan.ruleId,
      startedAt,
      endsAt,
      first: detection.caseWorkflowId === caseWorkflowId,
      ...(plan.askUser ? { askUser: true } : {}),
    };
  });

  wf.setHandler(closeExerciseUpdate, async (exerciseId): Promise<ExerciseOutcome> => {
    messages++;
    open.delete(exerciseId);
    const detection = detections.get(exerciseId);
    detections.delete(exerciseId);
    await told.get(exerciseId);
    told.delete(exerciseId);
    return detection ? { outcome: 'detected', detectedBy: detection } : { outcome: 'missed' };
  });

  const idle = () => used() && open.size === 0 && wf.allHandlersFinished();
  const historyFull = () => messages >= MESSAGES_PER_RUN || wf.workflowInfo().continueAsNewSuggested;
  await wf.condition(() => idle() || historyFull());
  if (idle()) return;
  await wf.condition(wf.allHandlersFinished);
  await Promise.all(told.values());
  await wf.continueAsNew<typeof exerciseRegistryWorkflow>({
    open: [...open.values()],
    detections: Object.fromEntries(detections),
  });
}
