import { ScheduleAlreadyRunning, type Client, type ScheduleSpec } from '@temporalio/client';
import { formatDuration } from '../common/duration';
import { postureScheduleId, type PostureRoutine, type PostureRunInput } from '../common/posture';
import { RoutineKey } from '../common/search-attributes';
import { workflowTypes } from '../common/workflow-types';
import type { postureRunWorkflow } from '../workflows/posture/run';

/** The posture routines' Temporal Schedules: one per catalog routine, created or brought in line at worker start. */

export function scheduleSpecOf(routine: PostureRoutine): ScheduleSpec {
  return 'everyMs' in routine.schedule
    ? { intervals: [{ every: routine.schedule.everyMs }] }
    : { cronExpressions: [routine.schedule.cron] };
}

export function describeSchedule(routine: PostureRoutine): string {
  return 'everyMs' in routine.schedule
    ? `every ${formatDuration(routine.schedule.everyMs)}`
    : `cron ${routine.schedule.cron}`;
}

function actionOf(routine: PostureRoutine, taskQueue: string, analysts: string[]) {
  const input: PostureRunInput = { routine, analysts };
  return {
    type: 'startWorkflow' as const,
    workflowType: workflowTypes.postureRun as unknown as typeof postureRunWorkflow,
    workflowId: `posture-run-${routine.id}`,
    taskQueue,
    args: [input] as [PostureRunInput],
    typedSearchAttributes: [{ key: RoutineKey, value: routine.id }],
    staticSummary: `Posture run: ${routine.name} (${routine.mode}${routine.dryRun ? ', dry run' : ''})`,
  };
}

/**
 * Creates each routine's schedule, or updates its spec and action to the catalog's (a paused schedule stays paused);
 * schedules of routines no longer in the catalog are deleted. Safe to call on every start, from any worker.
 */
export async function ensurePostureSchedules(
  client: Client,
  taskQueue: string,
  routines: PostureRoutine[],
  analysts: string[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const routine of routines) {
    const scheduleId = postureScheduleId(taskQueue, routine.id);
    const spec = scheduleSpecOf(routine);
    const action = actionOf(routine, taskQueue, analysts);
    ids.push(scheduleId);
    try {
      await client.schedule.create({
        scheduleId,
        spec,
        action,
        policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
        memo: { purpose: `Posture routine ${routine.id}: ${routine.name}` },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    }
  }
  const prefix = postureScheduleId(taskQueue, '');
  for await (const schedule of client.schedule.list()) {
    if (schedule.scheduleId.startsWith(prefix) && !ids.includes(schedule.scheduleId)) {
      await client.schedule.getHandle(schedule.scheduleId).delete();
    }
  }
  return ids;
}
