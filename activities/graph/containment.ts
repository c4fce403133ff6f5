import { isIP } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import type { RangeEdit } from '../../common/named-location';
import type { ContainmentOutcome, ContainmentRequest, UndoOutcome } from '../../common/triage';
import { checkThenAct, checkThenUndo } from '../containment-protocol';
import type { LocationWrites } from '../named-location-writes';
import type { ContainmentContext, ContainmentExecutor } from '../ports';
import { anyCovers, isHostRangeOf } from './cidr';
import { activeStatuses, type DefenderClient, type Machine } from './defender';
import type { Call } from './errors';
import { segment, type ApiClient } from './http';
import type { GraphDirectory } from './identity';
import { namedLocationPermissions, type GraphNamedLocations } from './named-locations';
import { revokeResultSchema, type MachineAction } from './schemas';

/**
 * Containment through Graph and Defender for Endpoint, each action following the exactly-once protocol of
 * `containment-protocol.ts`: the state before the case acted comes recorded in the request, and an action acts only
 * when its effect is not in place. Isolation also tags its machine actions with the workflow id, so a retry
 * recognises its own request and never posts a second one. IP blocks go through the named location's single writer.
 */

export const containmentPermissions = {
  disable:
    'User.EnableDisableAccount.All (and, for an account holding an admin role, the Privileged Authentication Administrator role for the app)',
  revoke: 'User.RevokeSessions.All',
  namedLocationRead: namedLocationPermissions.read,
  namedLocationWrite: namedLocationPermissions.write,
} as const;

export interface ContainmentSettings {
  isolationType: 'Full' | 'Selective';
  /** Between two polls of a Defender machine action. */
  pollIntervalMs: number;
  /** How long one attempt waits for a machine action before reporting it as requested but pending. */
  isolationWaitMs: number;
}

interface IsolationDetails {
  machineActionId?: string;
}

const onPremises = (upn: string) =>
  ApplicationFailure.nonRetryable(`${upn} is synced from on-premises AD — disable it there`, 'OnPremisesSynced');

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

// ---- the executor --------------------------------------------------------------------------------------------------

export class GraphContainment implements ContainmentExecutor {
  constructor(
    private readonly graph: ApiClient,
    private readonly directory: GraphDirectory,
    private readonly defender: DefenderClient,
    private readonly settings: ContainmentSettings,
    private readonly locations: { reader: GraphNamedLocations; writes: LocationWrites },
  ) {}

  async isInPlace(request: ContainmentRequest): Promise<boolean> {
    switch (request.action) {
      case 'disable-account':
        return (await this.directory.user(request.user)).accountEnabled === false;
      case 'revoke-sessions':
        return this.sessionsRevokedSince(request, await this.directory.user(request.user));
      case 'block-ip':
        return anyCovers((await this.locations.reader.read()).ranges, this.ipOf(request));
      case 'isolate-host': {
        const machine = await this.defender.machine(this.hostOf(request));
        const actions = await this.defender.isolationActions(machine);
        const tag = this.tag(request.workflowId);
        const newest = actions.find((a) => a.status === 'Succeeded' || activeStatuses.has(a.status));
        // Our own isolation (an earlier containment of this case) is not "in place before" this case.
        return newest?.type === 'Isolate' && !newest.requestorComment?.includes(tag);
      }
    }
  }

  async apply(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
    switch (request.action) {
      case 'disable-account':
        return this.disableAccount(request);
      case 'revoke-sessions':
        return this.revokeSessions(request);
      case 'block-ip':
        return this.blockIp(request);
      case 'isolate-host':
        return this.isolateHost(request, context);
    }
  }

  async undo(request: ContainmentRequest, context: ContainmentContext): Promise<UndoOutcome> {
    switch (request.action) {
      case 'disable-account':
        return this.enableAccount(request);
      case 'revoke-sessions':
        return { status: 'nothing-to-undo', detail: 'revoked sessions stay revoked; the user signs in again' };
      case 'block-ip':
        return this.unblockIp(request);
      case 'isolate-host':
        return this.releaseHost(request, context);
    }
  }

  // ---- accounts ------------------------------------------------------------------------------------------------

  private setEnabledCall(upn: string, enabled: boolean): Call {
    return {
      service: 'Microsoft Graph',
      what: `${enabled ? 'enabling' : 'disabling'} ${upn}`,
      permission: containmentPermissions.disable,
      notFound: `user not found: ${upn}`,
      explain: (err) =>
        err.statusCode === 400 && /on-premises mastered/i.test(err.message) ? onPremises(upn) : undefined,
    };
  }

  private async disableAccount(request: ContainmentRequest): Promise<ContainmentOutcome> {
    const user = await this.directory.user(request.user);
    if (user.onPremisesSyncEnabled && user.accountEnabled !== false) throw onPremises(user.userPrincipalName);
    return checkThenAct({
      request,
      target: user.userPrincipalName,
      isInPlace: async () => user.accountEnabled === false,
      act: () =>
        this.graph.patch(
          `/users/${segment(user.id)}`,
          { accountEnabled: false },
          this.setEnabledCall(user.userPrincipalName, false),
        ),
      describe: { applied: 'account disabled', alreadyInPlace: 'account was already disabled' },
    });
  }

  private async enableAccount(request: ContainmentRequest): Promise<UndoOutcome> {
    const user = await this.directory.user(request.user);
    return checkThenUndo({
      isInPlace: async () => user.accountEnabled === false,
      undo: () =>
        this.graph.patch(
          `/users/${segment(user.id)}`,
          { accountEnabled: true },
          this.setEnabledCall(user.userPrincipalName, true),
        ),
      describe: { undone: 'account enabled again', nothingToUndo: 'account was already enabled' },
    });
  }

  private sessionsRevokedSince(
    request: ContainmentRequest,
    user: { signInSessionsValidFromDateTime?: string | null },
  ): boolean {
    if (!request.requestedAt || Number.isNaN(Date.parse(request.requestedAt))) {
      throw ApplicationFailure.nonRetryable(
        'revoking sessions needs the time containment was requested',
        'InvalidRequest',
      );
    }
    // Graph keeps signInSessionsValidFromDateTime to the second.
    const since = Math.floor(Date.parse(request.requestedAt) / 1000) * 1000;
    const validFrom = user.signInSessionsValidFromDateTime
      ? Date.parse(user.signInSessionsValidFromDateTime)
      : Number.NaN;
    return !Number.isNaN(validFrom) && validFrom >= since;
  }

  private async revokeSessions(request: ContainmentRequest): Promise<ContainmentOutcome> {
    const user = await this.directory.user(request.user);
    const revoked = this.sessionsRevokedSince(request, user);
    return checkThenAct({
      request,
      target: user.userPrincipalName,
      isInPlace: async () => revoked,
      act: async () => {
        await this.graph.post(`/users/${segment(user.id)}/revokeSignInSessions`, {}, revokeResultSchema, {
          service: 'Microsoft Graph',
          what: `revoking ${user.userPrincipalName}'s sign-in sessions`,
          permission: containmentPermissions.revoke,
          notFound: `user not found: ${user.userPrincipalName}`,
        });
      },
      describe: { applied: 'sign-in sessions revoked', alreadyInPlace: 'sessions were revoked since the alert' },
    });
  }

  // ---- IP block in a Conditional Access named location ---------------------------------------------------------------

  private ipOf(request: ContainmentRequest): string {
    const family = isIP(request.ip ?? '');
    if (!request.ip || (family !== 4 && family !== 6))
      throw ApplicationFailure.nonRetryable(`"${request.ip ?? ''}" is not an IP address`, 'InvalidRequest');
    return request.ip;
  }

  private async edit(edit: RangeEdit, workflowId: string): Promise<void> {
    await this.locations.writes(edit, `${workflowId}:${edit.op}:${edit.ip}`);
  }

  private async blockIp(request: ContainmentRequest): Promise<ContainmentOutcome> {
    const ip = this.ipOf(request);
    const { ranges } = await this.locations.reader.read();
    return checkThenAct({
      request,
      target: ip,
      isInPlace: async () => anyCovers(ranges, ip),
      act: () => this.edit({ op: 'add', ip }, request.workflowId),
      describe: { applied: 'IP blocked at sign-in', alreadyInPlace: 'IP was already blocked' },
    });
  }

  private async unblockIp(request: ContainmentRequest): Promise<UndoOutcome> {
    const ip = this.ipOf(request);
    const { ranges } = await this.locations.reader.read();
    return checkThenUndo({
      // Only the exact range this product adds is removed; a wider range someone else added stays.
      isInPlace: async () => ranges.some((r) => isHostRangeOf(r, ip)),
      undo: () => this.edit({ op: 'remove', ip }, request.workflowId),
      describe: { undone: 'IP unblocked', nothingToUndo: 'IP was not blocked' },
    });
  }

  // ---- machine isolation ---------------------------------------------------------------------------------------

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

  private async isolateHost(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
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
        const details: IsolationDetails = {};
        const action = await this.defender.isolate(
          machine,
          `${tag} isolated by SOC triage: ${request.workflowId}`.slice(0, 1000),
          this.settings.isolationType,
        );
        details.machineActionId = action.id;
        context.heartbeat(details);
        pendingNote = this.finished(
          await this.follow(action, machine, context, details, deadline),
          'isolation',
          machine,
        );
      },
      describe: { applied: 'machine isolated', alreadyInPlace: 'machine was already isolated' },
    });
    return pendingNote ? { ...outcome, detail: pendingNote } : outcome;
  }

  private async releaseHost(request: ContainmentRequest, context: ContainmentContext): Promise<UndoOutcome> {
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
        const details: IsolationDetails = {};
        const action = await this.defender.release(
          machine,
          `${tag} released by SOC triage: ${request.workflowId}`.slice(0, 1000),
        );
        details.machineActionId = action.id;
        context.heartbeat(details);
        pendingNote = this.finished(await this.follow(action, machine, context, details, deadline), 'release', machine);
      },
      describe: { undone: 'machine released from isolation', nothingToUndo: 'machine was not isolated' },
    });
    return pendingNote ? { ...outcome, detail: pendingNote } : outcome;
  }
}
