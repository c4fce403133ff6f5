import { z } from 'zod';
import type { Live, StandInRoutes } from './context';
import type { Effects } from './effects';
import { findMachine, machineRead } from './machines';
import type { DefenderMachineAction, MachineActionStatus } from './model';
import { newMachineAction } from './model';
import { DEFENDER_RESOURCE, HttpError, type Result } from './responses';

/**
 * Defender for Endpoint machine actions: isolate and unisolate requests that go from Pending through InProgress to
 * Succeeded on a timer (or wait while held), cancellation, and reading them back.
 */

const isolateBody = z.object({ Comment: z.string().min(1), IsolationType: z.enum(['Full', 'Selective']) }).strict();
const commentBody = z.object({ Comment: z.string().min(1) }).strict();

/** A Defender request body checked against `schema`, or Defender's 400. */
function defenderBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new HttpError(
    400,
    'InvalidRequestBody',
    `Request body is incorrect: ${issue?.path.join('.')} ${issue?.message}`,
  );
}

export interface MachineActions {
  request(
    machineIdOrName: string,
    type: DefenderMachineAction['type'],
    comment: string,
    scope: DefenderMachineAction['scope'],
  ): Result;
  /** Actions stay Pending until `release`. */
  hold(): void;
  release(outcome: 'Succeeded' | 'Failed'): void;
  /** Stops the timers that move actions on. */
  clearTimers(): void;
  /** Stops the timers and ends a hold. */
  reset(): void;
}

export function createMachineActions({
  live,
  effects,
  delayMs,
}: {
  live: Live;
  effects: Effects;
  delayMs: number;
}): MachineActions {
  const timers = new Set<NodeJS.Timeout>();
  let holdActions = false;

  function completeAction(action: DefenderMachineAction, outcome: MachineActionStatus): void {
    if (action.status !== 'Pending' && action.status !== 'InProgress') return;
    action.status = outcome;
    action.lastUpdateDateTimeUtc = new Date().toISOString();
    if (outcome === 'Succeeded') {
      const machine = live.state.machines.find((m) => m.id === action.machineId);
      if (machine) machine.isolated = action.type === 'Isolate';
    }
  }

  function schedule(ms: number, work: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  function progress(action: DefenderMachineAction): void {
    schedule(delayMs / 2, () => {
      if (action.status === 'Pending' && !holdActions) {
        action.status = 'InProgress';
        action.lastUpdateDateTimeUtc = new Date().toISOString();
      }
    });
    schedule(delayMs, () => {
      if (!holdActions) completeAction(action, 'Succeeded');
    });
  }

  function requestAction(
    machineIdOrName: string,
    type: DefenderMachineAction['type'],
    comment: string,
    scope: DefenderMachineAction['scope'],
  ): Result {
    const machine = findMachine(live.state, machineIdOrName);
    const active = live.state.machineActions.find(
      (a) => a.machineId === machine.id && a.type === type && (a.status === 'Pending' || a.status === 'InProgress'),
    );
    if (active) throw new HttpError(400, 'ActiveRequestAlreadyExists', `Action is already in progress (${active.id})`);
    const action = newMachineAction({
      type,
      requestor: live.state.app.clientId,
      requestorComment: comment,
      machineId: machine.id,
      computerDnsName: machine.computerDnsName,
      scope,
    });
    live.state.machineActions.push(action);
    effects.count(machine.computerDnsName, type === 'Isolate' ? 'isolate-host' : 'release-host');
    if (!holdActions) progress(action);
    return { status: 201, body: { '@odata.context': `${live.url}/api/$metadata#MachineActions/$entity`, ...action } };
  }

  function clearTimers(): void {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  }

  return {
    request: requestAction,
    hold() {
      holdActions = true;
    },
    release(outcome) {
      holdActions = false;
      for (const action of live.state.machineActions) completeAction(action, outcome);
    },
    clearTimers,
    reset() {
      clearTimers();
      holdActions = false;
    },
  };
}

export const machineActionRoutes =
  (actions: MachineActions): StandInRoutes =>
  ({ route, live, effects }) => {
    route(
      'POST',
      '/api/machines/:id/isolate',
      'isolateMachine',
      DEFENDER_RESOURCE,
      [['Machine.Isolate']],
      ({ params, body }) => {
        const request = defenderBody(isolateBody, body);
        return actions.request(params.id!, 'Isolate', request.Comment, request.IsolationType);
      },
    );

    route(
      'POST',
      '/api/machines/:id/unisolate',
      'unisolateMachine',
      DEFENDER_RESOURCE,
      [['Machine.Isolate']],
      ({ params, body }) => {
        const request = defenderBody(commentBody, body);
        return actions.request(params.id!, 'Unisolate', request.Comment, null);
      },
    );

    route(
      'POST',
      '/api/machineactions/:id/cancel',
      'cancelMachineAction',
      DEFENDER_RESOURCE,
      [['Machine.Isolate']],
      ({ params, body }) => {
        const request = defenderBody(commentBody, body);
        const action = live.state.machineActions.find((a) => a.id === params.id);
        if (!action) throw new HttpError(404, 'ResourceNotFound', `Machine action ${params.id} was not found`);
        if (action.status !== 'Pending' && action.status !== 'InProgress')
          throw new HttpError(
            400,
            'InvalidRequest',
            `Machine action ${action.id} is ${action.status} and cannot be cancelled`,
          );
        const now = new Date().toISOString();
        Object.assign(action, {
          status: 'Cancelled',
          lastUpdateDateTimeUtc: now,
          cancellationRequestor: live.state.app.clientId,
          cancellationComment: request.Comment,
          cancellationDateTimeUtc: now,
        });
        effects.count(action.computerDnsName, 'cancel-isolate');
        return {
          status: 200,
          body: { '@odata.context': `${live.url}/api/$metadata#MachineActions/$entity`, ...action },
        };
      },
    );

    route('GET', '/api/machineactions/:id', 'getMachineAction', DEFENDER_RESOURCE, [machineRead], ({ params }) => {
      const action = live.state.machineActions.find((a) => a.id === params.id);
      if (!action) throw new HttpError(404, 'ResourceNotFound', `Machine action ${params.id} was not found`);
      return { status: 200, body: { '@odata.context': `${live.url}/api/$metadata#MachineActions/$entity`, ...action } };
    });

    route('GET', '/api/machineactions', 'listMachineActions', DEFENDER_RESOURCE, [machineRead], ({ query }) => {
      let items = [...live.state.machineActions];
      if (query.$filter) {
        for (const clause of query.$filter.split(/\s+and\s+/i)) {
          const match = /^\(?\s*(id|status|machineId|type|requestor) eq '([^']*)'\s*\)?$/.exec(clause.trim());
          if (!match) throw new HttpError(400, 'InvalidRequestBody', `Invalid filter clause: ${clause}`);
          const [, field, value] = match;
          items = items.filter(
            (a) => String(a[field as keyof DefenderMachineAction]).toLowerCase() === value!.toLowerCase(),
          );
        }
      }
      const skip = query.$skip ? Number(query.$skip) : 0;
      const top = query.$top ? Number(query.$top) : 10_000;
      return {
        status: 200,
        body: { '@odata.context': `${live.url}/api/$metadata#MachineActions`, value: items.slice(skip, skip + top) },
      };
    });
  };
