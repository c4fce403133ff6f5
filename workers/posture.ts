import type { Client } from '@temporalio/client';
import type { Ports } from '../activities/ports';
import { createPostureActivities } from '../activities/posture';
import type { AlertDispatcher } from '../client/intake/dispatch';
import { describeSchedule, ensurePostureSchedules } from '../client/posture';
import type { PostureRoutine } from '../common/posture';

/** The posture routines in a worker: their activities (from the worker's ports) and their schedules. */

export function postureActivities(ports: Ports, dispatcher: AlertDispatcher) {
  return createPostureActivities({
    ...(ports.posture ? { directory: ports.posture } : {}),
    containment: ports.containment,
    intake: { submit: (alert) => dispatcher.dispatch({ kind: 'create', alert }) },
  });
}

const MINUTE = 60_000;

/** `npm start`'s demo: every routine every minute, with minutes where a tenant would have days. */
export function demoRoutines(routines: PostureRoutine[]): PostureRoutine[] {
  return routines.map((r): PostureRoutine => {
    const base = { ...r, schedule: { everyMs: MINUTE }, recheckEveryMs: 2 * MINUTE };
    switch (r.check) {
      case 'stale-guests':
        return {
          ...base,
          check: r.check,
          parameters: {
            ...r.parameters,
            answerWithinMs: 3 * MINUTE,
            snoozeForMs: 10 * MINUTE,
            undoWindowMs: 30 * MINUTE,
          },
        };
      case 'privileged-without-mfa':
        return { ...base, check: r.check, parameters: { ...r.parameters, registerWithinMs: 3 * MINUTE } };
      case 'risky-users-without-case':
        return { ...base, check: r.check, parameters: r.parameters };
      case 'containment-drift':
        return { ...base, check: r.check, parameters: r.parameters };
      case 'expired-ip-blocks':
        return { ...base, check: r.check, parameters: { ...r.parameters, closedForMs: 5 * MINUTE } };
    }
  });
}

export async function schedulePosture(
  client: Client,
  taskQueue: string,
  routines: PostureRoutine[],
  analysts: string[],
): Promise<string> {
  await ensurePostureSchedules(client, taskQueue, routines, analysts);
  return routines.length
    ? `posture routines ${routines.map((r) => `${r.id} (${describeSchedule(r)}, ${r.mode}${r.dryRun ? ', dry run' : ''})`).join(', ')}`
    : 'no posture routines';
}
