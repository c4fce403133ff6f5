import { ApplicationFailure } from '@temporalio/common';
import type { ContainmentOutcome, ContainmentRequest, UndoOutcome } from '../../common/triage';
import { checkThenAct, checkThenUndo } from '../containment-protocol';
import type { ContainmentContext } from '../ports';
import { activeStatuses, type DefenderClient, type Machine } from './defender';
import type { MachineAction } from './schemas';

/**
 * Isolating a machine through Defender for Endpoint and releasing it. Each machine action is tagged with the workflow
 * id, so a retry recognises its own request and never posts a second one; an attempt follows its action (bounded) and
 * reports it as requested but pending when the machine has not applied it yet.
 */

export interface IsolationSettings {
  isolationType: 'Full' | 'Selective';
  /** Between two polls of a Defender machine action. */
  pollIntervalMs: number;
  /** How long one attempt waits for a machine action before reporting it as requested but pending. */
  isolationWaitMs: number;
}

interface IsolationDetails {
  machineActionId?: string;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class DefenderIsolation {
  constructor(
    private readonly defender: DefenderClient,
    private readonly settings: IsolationSettings,
  ) {}

  async isIsolated(request: ContainmentRequest): Promise<boolean> {
    const machine = await this.defender.machine(this.hostOf(request));
    const actions = await this.defender.isolationActions(machine);
    const tag = this.tag(request.workflowId);
    const newest = actions.find((a) => a.status === 'Succeeded' || activeStatuses.has(a.status));
    // Our own isolation (an earlier containment of this case) is not "in place before" this case.
    return newest?.type === 'Isolate' && !newest.requestorComment?.includes(tag);
  }

  private tag(workflowId: string): string {
    return `[soc-triage ${workflowId}]`;
  }

  /** Waits (bounded) until no isolate/unisolate action on the machine is in flight, then reads the isolation state. */
  private async settle(
    machine: Machine,
    context: ContainmentContext,
    deadline: number,
    firstRead?: MachineAction[],
  ): Promise<{ actions: MachineAction[]; active: MachineAction[]; lastSucceeded?: MachineAction }> {
    for (let read = firstRead; ; read = undefined) {
      const actions = read ?? (await this.defender.isolationActions(machine));
      const active = actions.filter((a) => activeStatuses.has(a.status));
      if (active.length === 0 || Date.now() >= deadline)
        return { actions, active, lastSucceeded: actions.find((a) => a.status === 'Succeeded') };
      await pause(this.settings.pollIntervalMs, context.signal);
    }
  }

  /** Polls one machine action (heartbeating) until it finishes or this attempt's wait is over. */
  private async follow(
    action: MachineAction,
    machine: Machine,
    context: ContainmentContext,
    details: IsolationDetails,
    deadline: number,
  ): Promise<MachineAction> {
    let current = action;
    while (activeStatuses.has(current.status) && Date.now() < deadline) {
      context.heartbeat(details);
      await pause(this.settings.pollIntervalMs, context.signal);
      current = await this.defender.action(current.id, machine);
    }
    return current;
  }

  /**
   * Posts one machine action, records its id for a retry (heartbeat details), and follows it; the note to report when
   * it is still pending.
   */
  private async postAndFollow(
    post: () => Promise<MachineAction>,
    verb: string,
    machine: Machine,
    context: ContainmentContext,
    deadline: number,
  ): Promise<string | undefined> {
    const details: IsolationDetails = {};
    const action = await post();
    details.machineActionId = action.id;
    context.heartbeat(details);
    return this.finished(await this.follow(action, machine, context, details, deadline), verb, machine);
  }

  private finished(action: MachineAction, verb: string, machine: Machine): string | undefined {
    if (activeStatuses.has(action.status)) {
      return `${verb} requested; machine action ${action.id} is still ${action.status} (Defender applies it when ${machine.computerDnsName} next connects)`;
    }
    if (action.status !== 'Succeeded') {
      throw ApplicationFailure.nonRetryable(
        `Defender for Endpoint could not finish the ${verb} of ${machine.computerDnsName}: machine action ${action.id} ended ${action.status}`,
        'MachineActionFailed',
      );
    }
    return undefined;
  }

  private hostOf(request: ContainmentRequest): string {
    if (!request.host) throw ApplicationFailure.nonRetryable('the request names no host', 'InvalidRequest');
    return request.host;
  }

  async isolate(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
    const machine = await this.defender.machine(this.hostOf(request));
    const tag = this.tag(request.workflowId);
    const ours = (a?: MachineAction) => Boolean(a?.requestorComment?.includes(tag));
    const prior = context.priorDetails as IsolationDetails | undefined;

    const deadline = Date.now() + this.settings.isolationWaitMs;
    const state = await this.settle(machine, context, deadline);
    const pendingIsolation = state.active.find((a) => a.type === 'Isolate');
    if (pendingIsolation) {
      // An isolation is already requested (by an earlier attempt of this case, or by someone else) and not yet
      // applied. Posting another would be refused (ActiveRequestAlreadyExists) or, worse, re-isolate later.
      const byUs = ours(pendingIsolation) || prior?.machineActionId === pendingIsolation.id;
      return {
        status: byUs ? 'applied' : 'already-in-place',
        target: machine.computerDnsName,
        detail: `isolation requested; machine action ${pendingIsolation.id} is still ${pendingIsolation.status}${byUs ? '' : ' (requested by someone else)'}`,
      };
    }
    const pendingRelease = state.active.find((a) => a.type === 'Unisolate');
    if (pendingRelease) {
      throw ApplicationFailure.create({
        message: `a release of ${machine.computerDnsName} from isolation (machine action ${pendingRelease.id}) is still ${pendingRelease.status}; isolation waits for it`,
        type: 'MachineActionPending',
      });
    }

    const isolatedNow = state.lastSucceeded?.type === 'Isolate';
    // Our own tag on the isolation in place: this case applied it, whatever state was recorded before.
    const effective = isolatedNow && ours(state.lastSucceeded) ? { ...request, inPlaceBefore: false } : request;
    let pendingNote: string | undefined;
    const outcome = await checkThenAct({
      request: effective,
      target: machine.computerDnsName,
      isInPlace: async () => isolatedNow,
      act: async () => {
        const post = () =>
          this.defender.isolate(
            machine,
            `${tag} isolated by SOC triage: ${request.workflowId}`.slice(0, 1000),
            this.settings.isolationType,
          );
        pendingNote = await this.postAndFollow(post, 'isolation', machine, context, deadline);
      },
      describe: { applied: 'machine isolated', alreadyInPlace: 'machine was already isolated' },
    });
    return pendingNote ? { ...outcome, detail: pendingNote } : outcome;
  }

  async release(request: ContainmentRequest, context: ContainmentContext): Promise<UndoOutcome> {
    const machine = await this.defender.machine(this.hostOf(request));
    const tag = this.tag(request.workflowId);
    const ours = (a?: MachineAction) => Boolean(a?.requestorComment?.includes(tag));

    // Our own isolation that never ran (the machine has not connected since): cancel it, or Defender isolates the
    // machine when it next connects, after the case was closed.
    const actions = await this.defender.isolationActions(machine);
    const ownIsolation = actions.find((a) => a.type === 'Isolate' && ours(a));
    const cancelledNote = (id: string) => `pending isolation cancelled before it took effect (machine action ${id})`;
    if (ownIsolation?.status === 'Cancelled') {
      // An earlier attempt of this undo cancelled it.
      return { status: 'undone', detail: cancelledNote(ownIsolation.id) };
    }
    const ownPending = ownIsolation && activeStatuses.has(ownIsolation.status) ? ownIsolation : undefined;
    if (ownPending) {
      const cancelled = await this.defender
        .cancel(ownPending, machine, `${tag} isolation cancelled by SOC triage: ${request.workflowId}`.slice(0, 1000))
        .catch(() => undefined); // it may have run meanwhile: then it is released below
      if (cancelled?.status === 'Cancelled') return { status: 'undone', detail: cancelledNote(ownPending.id) };
    }

    const deadline = Date.now() + this.settings.isolationWaitMs;
    // After a failed cancel the actions have changed; otherwise the first read stands.
    const state = await this.settle(machine, context, deadline, ownPending ? undefined : actions);
    const pendingRelease = state.active.find((a) => a.type === 'Unisolate');
    if (pendingRelease && ours(pendingRelease)) {
      return {
        status: 'undone',
        detail: `release requested; machine action ${pendingRelease.id} is still ${pendingRelease.status}`,
      };
    }
    const pending = state.active[0];
    if (pending) {
      throw ApplicationFailure.create({
        message: `${pending.type === 'Isolate' ? 'an isolation' : 'a release'} of ${machine.computerDnsName} (machine action ${pending.id}) is still ${pending.status}; the release waits for it`,
        type: 'MachineActionPending',
      });
    }
    const isolatedNow = state.lastSucceeded?.type === 'Isolate';
    if (!isolatedNow && state.lastSucceeded && ours(state.lastSucceeded)) {
      // An earlier attempt of this undo released it.
      return { status: 'undone', detail: 'machine released from isolation' };
    }
    let pendingNote: string | undefined;
    const outcome = await checkThenUndo({
      isInPlace: async () => isolatedNow,
      undo: async () => {
        const post = () =>
          this.defender.release(machine, `${tag} released by SOC triage: ${request.workflowId}`.slice(0, 1000));
        pendingNote = await this.postAndFollow(post, 'release', machine, context, deadline);
      },
      describe: { undone: 'machine released from isolation', nothingToUndo: 'machine was not isolated' },
    });
    return pendingNote ? { ...outcome, detail: pendingNote } : outcome;
  }
}
