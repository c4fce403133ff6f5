import type { Severity } from './alert';
import type { ContainmentDrift, ContainmentRecord, UserRef } from './triage';

/**
 * Posture routines: scheduled checks that push the tenant back to the secure side. Each run looks for findings; each
 * finding is one durable case keyed by routine + subject, so a finding that persists across runs stays one case.
 */

export const postureChecks = [
  'stale-guests',
  'privileged-without-mfa',
  'risky-users-without-case',
  'containment-drift',
  'expired-ip-blocks',
] as const;
export type PostureCheck = (typeof postureChecks)[number];

/** `report`: record only; `ask-then-act`: ask the person responsible, act on "no" or silence; `act`: act at once. */
export const postureModes = ['report', 'ask-then-act', 'act'] as const;
export type PostureMode = (typeof postureModes)[number];

export type PostureSchedule = { everyMs: number } | { cron: string };

export interface StaleGuestParameters {
  /** A guest with no sign-in attempt for this long is stale (never signed in: counted from its creation). */
  inactiveForMs: number;
  /** How long the sponsor has to answer "still needed?". */
  answerWithinMs: number;
  /** A "still needed" answer quiets the finding for this long. */
  snoozeForMs: number;
  /** How long a disabled guest's case waits for an undo before it ends. */
  undoWindowMs: number;
}

export interface PrivilegedWithoutMfaParameters {
  /** Directory role definition ids whose active members must have MFA registered. */
  roleDefinitionIds: string[];
  /** How long the member has to register a method before the SOC is told. */
  registerWithinMs: number;
  /** In `act` mode: revoke the member's sessions (their next sign-in must register MFA). */
  revokeSessions: boolean;
}

export interface RiskyUsersParameters {
  /** The rule id the case is triaged under (its policy comes from the rule catalog). */
  ruleId: string;
  severity: Severity;
}

export interface ContainmentDriftParameters {
  /** At most this many open contained cases are verified per run. */
  maxCases: number;
}

export interface ExpiredIpBlockParameters {
  /** An IP this product blocked for a case is removed once that case has been closed for this long. */
  closedForMs: number;
  /** At most this many closed cases are read per run. */
  maxCases: number;
}

/** Checks that only look at what this product did: nobody is asked, so `ask-then-act` does not apply. */
export const unaskedChecks: readonly PostureCheck[] = ['containment-drift', 'expired-ip-blocks'];

interface RoutineBase {
  id: string;
  name: string;
  schedule: PostureSchedule;
  mode: PostureMode;
  /** Findings are recorded with what would be done; nobody is asked and nothing is changed. */
  dryRun: boolean;
  /** How often an open finding checks whether it still applies (people fix things without telling us). */
  recheckEveryMs: number;
}

export type PostureRoutine =
  | (RoutineBase & { check: 'stale-guests'; parameters: StaleGuestParameters })
  | (RoutineBase & { check: 'privileged-without-mfa'; parameters: PrivilegedWithoutMfaParameters })
  | (RoutineBase & { check: 'risky-users-without-case'; parameters: RiskyUsersParameters })
  | (RoutineBase & { check: 'containment-drift'; parameters: ContainmentDriftParameters })
  | (RoutineBase & { check: 'expired-ip-blocks'; parameters: ExpiredIpBlockParameters });

/** The thing a finding is about. Its id keys the case; names stay out of search attributes. */
export interface PostureSubject {
  /** Entra object id. */
  id: string;
  label: string;
  userPrincipalName?: string;
}

export interface PostureFinding {
  subject: PostureSubject;
  /** One line, for cards and the CLI. */
  summary: string;
  facts: { label: string; value: string }[];
  /** Who is asked in `ask-then-act` (a guest's sponsor, the privileged member themself); none: escalate instead. */
  askee?: UserRef & { label: string };
  /** Risky users: when Identity Protection last changed the risk (a new risk event is a new case). */
  observedAt?: string;
  /** Containment drift: the open triage case whose applied containment is no longer in place, and what drifted. */
  drift?: { caseWorkflowId: string; drifted: ContainmentDrift[] };
}

/** Where a finding's case stands (also its `SocTriageState`). */
export const findingStates = [
  'open',
  'asking',
  'snoozed',
  'escalated',
  'reported',
  'dry-run',
  'fixed-automatically',
  'fixed-by-people',
  'undone',
] as const;
export type FindingState = (typeof findingStates)[number];
export const closedFindingStates: readonly FindingState[] = ['fixed-automatically', 'fixed-by-people', 'undone'];

export type PostureAnswer = 'keep' | 'remove';

export interface FindingEvent {
  at: string;
  what: string;
}

export interface FindingCase {
  routineId: string;
  check: PostureCheck;
  subject: PostureSubject;
  summary: string;
  state: FindingState;
  openedAt: string;
  lastSeenAt: string;
  /** Ids of the runs that found it. */
  seenInRuns: string[];
  question?: { askedOf: string; messageRef?: string; deadline: string; answer?: PostureAnswer; answeredBy?: string };
  containment: ContainmentRecord[];
  events: FindingEvent[];
  closedAt?: string;
}

export interface PostureRunInput {
  routine: PostureRoutine;
  analysts: string[];
}

export interface PostureRunResult {
  routineId: string;
  found: number;
  /** Findings that opened a case this run (the others joined their open case). */
  opened: number;
  dryRun: boolean;
  failed?: string;
}

export interface PostureFindingInput {
  routine: PostureRoutine;
  finding: PostureFinding;
  analysts: string[];
  runId: string;
}

/** One case per routine and subject. */
export function postureFindingWorkflowId(routineId: string, subjectId: string): string {
  return `posture-${routineId}-${subjectId}`;
}

export function postureScheduleId(taskQueue: string, routineId: string): string {
  return `soc-posture-${taskQueue}-${routineId}`;
}
