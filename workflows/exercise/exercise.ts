import * as wf from '@temporalio/workflow';
import type { ExerciseActivities } from '../../activities/exercise';
import {
  exerciseOutcomes,
  exerciseStates,
  planProblem,
  type ExerciseDetection,
  type ExerciseInput,
  type ExerciseOutcome,
} from '../../common/exercise';
import { exerciseDetectedSignal, exerciseStatusQuery, type ExerciseStatus } from '../../common/messages/exercise';
import { exerciseMetricNames } from '../../common/metric-names';
import { ClosedAtKey, DispositionKey, RuleIdKey, TriageStateKey } from '../../common/search-attributes';
import { formatDuration } from '../../common/duration';

const { openExercise, closeExercise } = wf.proxyActivities<ExerciseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface ExerciseResult extends ExerciseOutcome {
  exerciseId: string;
  ruleId: string;
  startedAt: string;
  endsAt: string;
  /** Set when the plan could not be run (the schedule's plan was invalid): neither detected nor missed. */
  refused?: string;
}

function details(input: ExerciseInput, status: ExerciseStatus, refused?: string): string {
  const target = [
    input.marker && `marker \`${input.marker}\``,
    input.user && `user ${input.user}`,
    input.host && `host ${input.host}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const outcome = refused
    ? `**Not run:** ${refused}`
    : status.outcome === 'detected'
      ? `**Detected** by case \`${status.detectedBy?.caseWorkflowId}\` at ${status.detectedBy?.at}`
      : status.outcome === 'missed'
        ? '**Missed:** no alert of the rule matched within the window'
        : `**Waiting** for an alert of the rule until ${status.endsAt}`;
  return [
    `### Detection exercise of \`${input.ruleId}\``,
    `**Window:** ${formatDuration(input.windowMs)} from ${status.startedAt} to ${status.endsAt}`,
    target && `**Looks for:** ${target}`,
    input.askUser && '**Asks the user:** its alerts ask "was this you?" as a real alert would (never contained)',
    input.note && `**Note:** ${input.note}`,
    input.scheduleId && `**Plan:** ${input.scheduleId}`,
    outcome,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/**
 * A test of one rule being run now: opens its window in the rule's registry, waits durably for the window, and ends
 * `detected` (an alert of the rule matched within it; shown as soon as it arrives) or `missed`.
 */
export async function detectionExerciseWorkflow(input: ExerciseInput): Promise<ExerciseResult> {
  const { workflowId: exerciseId, taskQueue } = wf.workflowInfo();
  const startedAt = new Date().toISOString();
  const endsAt = new Date(Date.now() + input.windowMs).toISOString();
  const status: ExerciseStatus = { exerciseId, startedAt, endsAt, state: 'opening' };
  let detection: ExerciseDetection | undefined;
  wf.setHandler(exerciseStatusQuery, () => status);
  wf.setHandler(exerciseDetectedSignal, (detected) => {
    detection ??= detected;
  });
  const show = (state: string, outcome: string, refused?: string) => {
    wf.upsertSearchAttributes([
      { key: RuleIdKey, value: input.ruleId },
      { key: TriageStateKey, value: state },
      { key: DispositionKey, value: outcome },
      ...(state === exerciseStates.closed ? [{ key: ClosedAtKey, value: new Date() }] : []),
    ]);
    wf.setCurrentDetails(details(input, status, refused));
  };

  const refused = planProblem(input);
  if (refused) {
    status.state = 'closed';
    show(exerciseStates.closed, exerciseOutcomes.pending, refused);
    wf.log.warn('detection exercise not run', { ruleId: input.ruleId, reason: refused });
    return { exerciseId, ruleId: input.ruleId, startedAt, endsAt, outcome: 'missed', refused };
  }

  show(exerciseStates.running, exerciseOutcomes.pending);
  await openExercise.executeWithOptions({ summary: `Open the exercise window until ${endsAt}` }, [
    { taskQueue, exercise: { exerciseId, plan: input, startedAt, endsAt } },
  ]);
  status.state = 'open';
  const remaining = () => Math.max(0, Date.parse(endsAt) - Date.now());
  const detectedEarly = await wf.condition(() => detection !== undefined, remaining(), {
    summary: `Wait for an alert of ${input.ruleId} until ${endsAt}`.slice(0, 200),
  });
  if (detectedEarly) {
    Object.assign(status, { outcome: 'detected', detectedBy: detection });
    show(exerciseStates.running, exerciseOutcomes.detected);
    // The window stays open: further alerts of the same exercise are still handled as the exercise's.
    if (remaining() > 0) await wf.sleep(remaining());
  }
  const closed = await closeExercise.executeWithOptions({ summary: 'Close the exercise window' }, [
    { taskQueue, ruleId: input.ruleId, exerciseId },
  ]);
  const detectedBy = detection ?? closed.detectedBy;
  const outcome: ExerciseOutcome = detectedBy ? { outcome: 'detected', detectedBy } : { outcome: 'missed' };
  Object.assign(status, outcome, { state: 'closed' });
  show(exerciseStates.closed, exerciseOutcomes[outcome.outcome]);
  wf.metricMeter
    .createCounter(exerciseMetricNames.exercises, 'exercises', 'Detection exercises ended, by outcome')
    .add(1, { rule_id: input.ruleId, outcome: outcome.outcome });
  if (outcome.outcome === 'missed') wf.log.warn('detection exercise missed', { ruleId: input.ruleId, exerciseId });
  return { exerciseId, ruleId: input.ruleId, startedAt, endsAt, ...outcome };
}
