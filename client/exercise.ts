import { createHash, randomUUID } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import {
  exerciseOutcomes,
  exerciseScheduleId,
  exerciseStates,
  exerciseWorkflowId,
  missedDetectionWorkflowId,
  type ExerciseInput,
  type MissedDetection,
} from '../common/exercise';
import { formatDuration } from '../common/duration';
import { ClosedAtKey, DispositionKey, MissedByKey, RuleIdKey, TriageStateKey } from '../common/search-attributes';
import { visibilityString } from '../common/visibility';
import { workflowTypes } from '../common/workflow-types';
import type { detectionExerciseWorkflow } from '../workflows/exercise/exercise';
import type { missedDetectionWorkflow } from '../workflows/exercise/missed';

/** The client side of recall: start and schedule detection exercises, list them, record missed detections. */

export const exercisesClause = `WorkflowType = ${visibilityString(workflowTypes.detectionExercise)}`;
export const missedDetectionsClause = `WorkflowType = ${visibilityString(workflowTypes.missedDetection)}`;

const exerciseSummary = (input: ExerciseInput) =>
  `Detection exercise · ${input.ruleId} · ${formatDuration(input.windowMs)}`.slice(0, 200);

/** Starts a detection exercise now; `id` makes a retried start the same exercise. */
export async function startExercise(
  client: Client,
  taskQueue: string,
  input: ExerciseInput,
  id: string = randomUUID(),
): Promise<{ workflowId: string; outcome: 'started' | 'duplicate' }> {
  const workflowId = exerciseWorkflowId(input.ruleId, id);
  try {
    await client.workflow.start<typeof detectionExerciseWorkflow>(workflowTypes.detectionExercise, {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: exerciseSummary(input),
      typedSearchAttributes: [
        { key: RuleIdKey, value: input.ruleId },
        { key: TriageStateKey, value: exerciseStates.running },
        { key: DispositionKey, value: exerciseOutcomes.pending },
      ],
    });
    return { workflowId, outcome: 'started' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, outcome: 'duplicate' };
    throw err;
  }
}

/** Creates (or updates) the Temporal Schedule that runs this exercise plan every `everyMs`. */
export async function scheduleExercise(
  client: Client,
  taskQueue: string,
  input: ExerciseInput,
  plan: { name: string; everyMs: number },
): Promise<{ scheduleId: string; outcome: 'created' | 'updated' }> {
  const scheduleId = exerciseScheduleId(input.ruleId, plan.name);
  const spec = { intervals: [{ every: plan.everyMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: workflowTypes.detectionExercise as unknown as typeof detectionExerciseWorkflow,
    workflowId: exerciseWorkflowId(input.ruleId, `plan-${plan.name}`),
    taskQueue,
    args: [{ ...input, scheduleId }] as [ExerciseInput],
    staticSummary: exerciseSummary(input),
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
      memo: { purpose: `Runs a detection exercise of ${input.ruleId} every ${formatDuration(plan.everyMs)}` },
    });
    return { scheduleId, outcome: 'created' };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    return { scheduleId, outcome: 'updated' };
  }
}

/** One exercise as visibility shows it. */
export interface ExerciseRecord {
  workflowId: string;
  ruleId: string;
  startedAt: Date;
  running: boolean;
  state?: string;
  /** `undetermined` while waiting, then `detected` or `missed`. */
  outcome?: string;
  closedAt?: Date;
}

export function toExerciseRecord(info: WorkflowExecutionInfo): ExerciseRecord {
  const sa = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    ruleId: sa.get(RuleIdKey) ?? '(unknown rule)',
    startedAt: info.startTime,
    running: info.status.name === 'RUNNING',
    state: sa.get(TriageStateKey),
    outcome: sa.get(DispositionKey),
    closedAt: sa.get(ClosedAtKey),
  };
}

export interface MissedDetectionRecord {
  workflowId: string;
  rules: string[];
  recordedAt: Date;
}

export function toMissedDetectionRecord(info: WorkflowExecutionInfo): MissedDetectionRecord {
  return {
    workflowId: info.workflowId,
    rules: info.typedSearchAttributes.get(MissedByKey) ?? [],
    recordedAt: info.startTime,
  };
}

/** A stable id for a record submitted without one: the same rules, time and note are the same record. */
export function missedDetectionId(record: Pick<MissedDetection, 'rules' | 'at' | 'note' | 'caseWorkflowId'>): string {
  const canonical = JSON.stringify([[...record.rules].sort(), record.at, record.note, record.caseWorkflowId ?? '']);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 24);
}

/** Records a missed detection once per id: a second submission of the same record is answered `duplicate`. */
export async function recordMissedDetection(
  client: Client,
  taskQueue: string,
  record: Omit<MissedDetection, 'id' | 'recordedAt'> & { id?: string },
): Promise<{ workflowId: string; outcome: 'recorded' | 'duplicate' }> {
  const id = record.id ?? missedDetectionId(record);
  const full: MissedDetection = { ...record, id, recordedAt: new Date().toISOString() };
  const workflowId = missedDetectionWorkflowId(id);
  try {
    await client.workflow.start<typeof missedDetectionWorkflow>(workflowTypes.missedDetection, {
      workflowId,
      taskQueue,
      args: [full],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Missed detection · ${record.rules.join(', ')}`.slice(0, 200),
      typedSearchAttributes: [
        { key: MissedByKey, value: record.rules },
        { key: TriageStateKey, value: 'closed' },
        { key: DispositionKey, value: 'true-positive' },
      ],
    });
    return { workflowId, outcome: 'recorded' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, outcome: 'duplicate' };
    throw err;
  }
}
