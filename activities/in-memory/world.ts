import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import type {
  CaseCardUpdate,
  EscalationNotice,
  HostDetails,
  LinkedDevices,
  QuestionReminder,
  QuestionUpdate,
  RiskState,
  SignInEvent,
  UserQuestion,
  UserRef,
} from '../../common/triage';

/**
 * A small directory, endpoint fleet and messaging inbox held in memory (optionally mirrored to a JSON file so several
 * processes can watch it). It backs the in-memory ports for demos and workflow tests, counts every effect applied per
 * entity, and can inject failures per operation.
 */

export interface WorldUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  department?: string;
  jobTitle?: string;
  accountEnabled: boolean;
  onPremisesSyncEnabled?: boolean;
  managerId?: string;
  groups: { id: string; displayName: string; kind: 'group' | 'directoryRole' | 'administrativeUnit' }[];
  signIns: SignInEvent[];
  devices: LinkedDevices['devices'];
  risk?: RiskState;
  sessionsValidFrom: string;
  /** Posture routines (activities/in-memory/posture.ts): guests, sponsors, MFA registration, privileged roles. */
  posture?: {
    userType?: 'Member' | 'Guest';
    mail?: string;
    createdDateTime?: string;
    lastSignInDateTime?: string;
    sponsorIds?: string[];
    /** Methods registered; none means no MFA. */
    methodsRegistered?: string[];
    /** Active directory role assignments, by role definition id. */
    roleDefinitionIds?: string[];
  };
}

export interface WorldData {
  users: WorldUser[];
  hosts: (HostDetails & { isolated: boolean })[];
  blockedIps: string[];
  /** effects[entity][action] = how many times the world actually changed. */
  effects: Record<string, Record<string, number>>;
  /** Every effect in the order it happened. */
  effectLog: { entity: string; action: string }[];
  questions: (UserQuestion & { messageRef: string })[];
  questionUpdates: QuestionUpdate[];
  reminders: QuestionReminder[];
  escalations: EscalationNotice[];
  caseCards: CaseCardUpdate[];
  /** User id or UPN → why a question cannot reach them (blocked the bot, no Teams licence…). */
  undeliverable: Record<string, string>;
  /** Operation name → injected failure. `times` counts down; absent means always. */
  faults: Record<string, { kind: 'permanent' | 'transient'; message: string; times?: number; retryAfterMs?: number }>;
  /** Operation name → milliseconds to wait after the effect is applied (to kill a worker mid-action in tests). */
  delaysAfterEffectMs: Record<string, number>;
}

export type Operation =
  | 'userProfile'
  | 'groupMemberships'
  | 'signIns'
  | 'linkedDevices'
  | 'riskState'
  | 'hostDetails'
  | 'disable-account'
  | 'revoke-sessions'
  | 'isolate-host'
  | 'block-ip'
  | 'undo'
  | 'askUser'
  | 'remindUser'
  | 'updateQuestion'
  | 'escalate'
  | 'updateCaseCard';

export class World {
  private constructor(
    readonly data: WorldData,
    private readonly file?: string,
  ) {}

  static create(seed: Pick<WorldData, 'users' | 'hosts'> & Partial<WorldData>, file?: string): World {
    const world = new World(
      {
        blockedIps: [],
        effects: {},
        effectLog: [],
        questions: [],
        questionUpdates: [],
        reminders: [],
        escalations: [],
        caseCards: [],
        undeliverable: {},
        faults: {},
        delaysAfterEffectMs: {},
        ...structuredClone(seed),
      },
      file,
    );
    world.save();
    return world;
  }

  /** Opens a world another process writes (read-only view unless you call mutating methods). */
  static open(file: string): World {
    return new World(JSON.parse(readFileSync(file, 'utf8')) as WorldData, file);
  }

  /** Re-reads the file (for a process watching a world that another one changes). */
  reload(): World {
    if (this.file && existsSync(this.file)) Object.assign(this.data, JSON.parse(readFileSync(this.file, 'utf8')));
    return this;
  }

  save(): void {
    if (!this.file) return;
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.data, null, 1));
    renameSync(`${this.file}.tmp`, this.file);
  }

  findUser(ref: UserRef): WorldUser {
    const user = this.data.users.find(
      (u) =>
        (ref.objectId && u.id === ref.objectId) ||
        (ref.userPrincipalName && u.userPrincipalName.toLowerCase() === ref.userPrincipalName.toLowerCase()),
    );
    if (!user)
      throw ApplicationFailure.nonRetryable(`user not found: ${ref.userPrincipalName ?? ref.objectId}`, 'NotFound');
    return user;
  }

  findHost(name: string): WorldData['hosts'][number] {
    const host = this.data.hosts.find((h) => h.name.toLowerCase() === name.toLowerCase() || h.id === name);
    if (!host) throw ApplicationFailure.nonRetryable(`machine not found: ${name}`, 'NotFound');
    return host;
  }

  /** Throws the injected fault for `operation`, if any. */
  fault(operation: Operation): void {
    const fault = this.data.faults[operation];
    if (!fault) return;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) delete this.data.faults[operation];
      this.save();
    }
    if (fault.kind === 'permanent') throw ApplicationFailure.nonRetryable(fault.message, 'InjectedFault');
    throw ApplicationFailure.create({
      message: fault.message,
      type: 'InjectedTransientFault',
      nextRetryDelay: fault.retryAfterMs,
    });
  }

  countEffect(entity: string, action: string): void {
    const perEntity = (this.data.effects[entity] ??= {});
    perEntity[action] = (perEntity[action] ?? 0) + 1;
    this.data.effectLog.push({ entity, action });
    this.save();
  }

  effectCount(entity: string, action: string): number {
    return this.data.effects[entity]?.[action] ?? 0;
  }

  async pauseAfterEffect(operation: Operation): Promise<void> {
    const ms = this.data.delaysAfterEffectMs[operation];
    if (ms) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
