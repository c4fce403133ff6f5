import { isIP } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import type { ContainmentOutcome, ContainmentRequest, UndoOutcome } from '../../common/triage';
import { checkThenAct, checkThenUndo } from '../containment-protocol';
import type { ContainmentContext, ContainmentExecutor } from '../ports';
import { activeStatuses, type DefenderClient, type Machine } from './defender';
import type { Call } from './errors';
import { segment, type ApiClient } from './http';
import type { GraphDirectory } from './identity';
import { namedLocationSchema, revokeResultSchema, type CidrRange, type MachineAction } from './schemas';

/**
 * Containment through Graph and Defender for Endpoint, each action following the exactly-once protocol of
 * `containment-protocol.ts`: read the state, remember the pre-state in the heartbeat, act only when the effect is not
 * in place. Isolation also tags its machine actions with the workflow id, so a retry recognises its own request even
 * when no heartbeat survived, and never posts a second one.
 */

export const containmentPermissions = {
  disable:
    'User.EnableDisableAccount.All (and, for an account holding an admin role, the Privileged Authentication Administrator role for the app)',
  revoke: 'User.RevokeSessions.All',
  namedLocationRead: 'Policy.Read.All',
  namedLocationWrite: 'Policy.Read.All and Policy.ReadWrite.ConditionalAccess',
} as const;

export interface ContainmentSettings {
  /** The Conditional Access IP named location used by a block policy. */
  namedLocationId: string | undefined;
  isolationType: 'Full' | 'Selective';
  /** Between two polls of a Defender machine action. */
  pollIntervalMs: number;
  /** How long one attempt waits for a machine action before reporting it as requested but pending. */
  isolationWaitMs: number;
}

interface IsolationDetails {
  inPlaceBefore: boolean;
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

// ---- IP ranges -----------------------------------------------------------------------------------------------------

interface ParsedRange {
  family: 4 | 6;
  bits: number;
  value: bigint;
}

function addressValue(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n);
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const expand = (groups: string[]) =>
    groups.flatMap((g) =>
      g.includes('.')
        ? [Number(addressValue(g, 4) >> 16n).toString(16), Number(addressValue(g, 4) & 0xffffn).toString(16)]
        : [g],
    );
  const l = expand(left);
  const r = expand(right);
  const groups = tail === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

function parseRange(cidr: string): ParsedRange | undefined {
  const [address, bitsText] = cidr.split('/');
  const family = isIP(address ?? '');
  if (family !== 4 && family !== 6) return undefined;
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  return { family, bits, value: addressValue(address!, family) };
}

function covers(range: ParsedRange, ip: ParsedRange): boolean {
  if (range.family !== ip.family) return false;
  const width = range.family === 4 ? 32 : 128;
  const shift = BigInt(width - range.bits);
  return range.value >> shift === ip.value >> shift;
}

function sameRange(a: ParsedRange, b: ParsedRange): boolean {
  return a.family === b.family && a.bits === b.bits && a.value === b.value;
}

// ---- the executor --------------------------------------------------------------------------------------------------

export class GraphContainment implements ContainmentExecutor {
  /** Read-modify-write of a named location is serialised within this worker. */
  private readonly locationLocks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly graph: ApiClient,
    private readonly directory: GraphDirectory,
    private readonly defender: DefenderClient,
    private readonly settings: ContainmentSettings,
  ) {}

  async apply(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
    switch (request.action) {
      case 'disable-account':
        return this.disableAccount(request, context);
      case 'revoke-sessions':
        return this.revokeSessions(request, context);
      case 'block-ip':
        return this.blockIp(request, context);
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

  private async disableAccount(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
    const user = await this.directory.user(request.user);
    if (user.onPremisesSyncEnabled && user.accountEnabled !== false) throw onPremises(user.userPrincipalName);
    return checkThenAct({
      context,
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

  private async revokeSessions(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
    if (!request.requestedAt || Number.isNaN(Date.parse(request.requestedAt))) {
      throw ApplicationFailure.nonRetryable(
        'revoking sessions needs the time containment was requested',
        'InvalidRequest',
      );
    }
    // Graph keeps signInSessionsValidFromDateTime to the second.
    const since = Math.floor(Date.parse(request.requestedAt) / 1000) * 1000;
    const user = await this.directory.user(request.user);
    const validFrom = user.signInSessionsValidFromDateTime
      ? Date.parse(user.signInSessionsValidFromDateTime)
      : Number.NaN;
    return checkThenAct({
      context,
      target: user.userPrincipalName,
      isInPlace: async () => !Number.isNaN(validFrom) && validFrom >= since,
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

  private locationCall(what: string, permission: string): Call {
    const id = this.settings.namedLocationId;
    return {
      service: 'Microsoft Graph',
      what,
      permission,
      notFound: `the Conditional Access named location ${id} (GRAPH_BLOCKED_IP_LOCATION_ID) does not exist`,
    };
  }

  private async readRanges(): Promise<{ path: string; ranges: CidrRange[] }> {
    const id = this.settings.namedLocationId;
    if (!id) {
      throw ApplicationFailure.nonRetryable(
        'no Conditional Access named location is configured for blocked IPs (set GRAPH_BLOCKED_IP_LOCATION_ID)',
        'NotConfigured',
      );
    }
    const path = `/identity/conditionalAccess/namedLocations/${segment(id)}`;
    const location = await this.graph.get(
      path,
      namedLocationSchema,
      this.locationCall('reading the blocked-IP named location', containmentPermissions.namedLocationRead),
    );
    if (location['@odata.type'] !== '#microsoft.graph.ipNamedLocation') {
      throw ApplicationFailure.nonRetryable(
        `the named location ${id} is a ${location['@odata.type'].replace('#microsoft.graph.', '')}, not an IP named location`,
        'NotConfigured',
      );
    }
    const ranges = (location.ipRanges ?? []).flatMap((r) => {
      const cidr = r.cidrAddress;
      const type = r['@odata.type'];
      return typeof cidr === 'string' &&
        (type === '#microsoft.graph.iPv4CidrRange' || type === '#microsoft.graph.iPv6CidrRange')
        ? [{ '@odata.type': type, cidrAddress: cidr } as CidrRange]
        : [];
    });
    if (ranges.length !== (location.ipRanges ?? []).length) {
      throw ApplicationFailure.nonRetryable(
        `the named location ${id} holds ranges other than CIDR ranges; edit it in the portal`,
        'NotConfigured',
      );
    }
    return { path, ranges };
  }

  private async writeRanges(path: string, ranges: CidrRange[], what: string): Promise<void> {
    await this.graph.patch(
      path,
      { '@odata.type': '#microsoft.graph.ipNamedLocation', ipRanges: ranges },
      this.locationCall(what, containmentPermissions.namedLocationWrite),
    );
  }

  private exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locationLocks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    const settled = run.catch(() => undefined);
    this.locationLocks.set(key, settled);
    void settled.then(() => {
      if (this.locationLocks.get(key) === settled) this.locationLocks.delete(key);
    });
    return run;
  }

  private ipRange(ip: string | undefined): { parsed: ParsedRange; range: CidrRange } {
    const family = isIP(ip ?? '');
    if (!ip || (family !== 4 && family !== 6))
      throw ApplicationFailure.nonRetryable(`"${ip ?? ''}" is not an IP address`, 'InvalidRequest');
    const range: CidrRange =
      family === 4
        ? { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: `${ip}/32` }
        : { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: `${ip}/128` };
    return { parsed: parseRange(range.cidrAddress)!, range };
  }

  private blockIp(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
    const { parsed, range } = this.ipRange(request.ip);
    return this.exclusive(this.settings.namedLocationId ?? '', async () => {
      const { path, ranges } = await this.readRanges();
      const covered = () =>
        ranges.some((r) => {
          const p = parseRange(r.cidrAddress);
          return p !== undefined && covers(p, parsed);
        });
      return checkThenAct({
        context,
        target: request.ip!,
        isInPlace: async () => covered(),
        act: async () => {
          await this.writeRanges(path, [...ranges, range], `blocking ${request.ip} in the named location`);
          // PATCH replaces the whole list: a concurrent writer elsewhere could have dropped ours. Check, and let a
          // retry re-apply if so (the check above then decides again).
          const after = await this.readRanges();
          if (!after.ranges.some((r) => r.cidrAddress === range.cidrAddress)) {
            throw ApplicationFailure.create({
              message: `the blocked-IP named location changed while ${request.ip} was being added; trying again`,
              type: 'ConcurrentUpdate',
            });
          }
        },
        describe: { applied: 'IP blocked at sign-in', alreadyInPlace: 'IP was already blocked' },
      });
    });
  }

  private unblockIp(request: ContainmentRequest): Promise<UndoOutcome> {
    const { parsed } = this.ipRange(request.ip);
    return this.exclusive(this.settings.namedLocationId ?? '', async () => {
      const { path, ranges } = await this.readRanges();
      // Only the exact range this product adds is removed; a wider range someone else added stays.
      const ours = (r: CidrRange) => {
        const p = parseRange(r.cidrAddress);
        return p !== undefined && sameRange(p, parsed);
      };
      return checkThenUndo({
        isInPlace: async () => ranges.some(ours),
        undo: () =>
          this.writeRanges(
            path,
            ranges.filter((r) => !ours(r)),
            `unblocking ${request.ip} in the named location`,
          ),
        describe: { undone: 'IP unblocked', nothingToUndo: 'IP was not blocked' },
      });
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

  private async isolateHost(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
    if (!request.host) throw ApplicationFailure.nonRetryable('the request names no host', 'InvalidRequest');
    const machine = await this.defender.machine(request.host);
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
      if (!prior) context.heartbeat({ inPlaceBefore: !byUs } satisfies IsolationDetails);
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
    // Our own tag on the isolation in place: this case applied it, even if no heartbeat from that attempt survived.
    const effectiveContext: ContainmentContext =
      isolatedNow && ours(state.lastSucceeded) && !prior
        ? { ...context, priorDetails: { inPlaceBefore: false } }
        : context;
    let pendingNote: string | undefined;
    const outcome = await checkThenAct({
      context: effectiveContext,
      target: machine.computerDnsName,
      isInPlace: async () => isolatedNow,
      act: async () => {
        const details: IsolationDetails = { inPlaceBefore: prior?.inPlaceBefore ?? false };
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
    if (!request.host) throw ApplicationFailure.nonRetryable('the request names no host', 'InvalidRequest');
    const machine = await this.defender.machine(request.host);
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
        const details: IsolationDetails = { inPlaceBefore: true };
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
