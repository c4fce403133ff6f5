import type { Alert } from '../common/alert';
import type { RangeEdit, RangeEditResult } from '../common/named-location';
import type {
  CaseCardUpdate,
  ContainmentOutcome,
  ContainmentRequest,
  EscalationNotice,
  GroupMemberships,
  HostDetails,
  DeliveredQuestion,
  LinkedDevices,
  PostedEscalation,
  QuestionReminder,
  QuestionUpdate,
  RiskState,
  SignInEvent,
  UndoOutcome,
  UserProfile,
  UserQuestion,
  UserRef,
} from '../common/triage';
import type { WriteBackRequest, WriteBackResult } from '../common/write-back';

/**
 * The narrow interfaces through which activities reach the outside world. The worker is given one implementation of
 * each when it starts (in-memory for demos and workflow tests, Microsoft Graph / Defender / Teams in production); the
 * workflow never knows which.
 *
 * Errors: throw `ApplicationFailure.nonRetryable(message)` for a permanent failure an analyst should read (missing
 * permission, unknown user); any other error is retried by Temporal (use `nextRetryDelay` to honour `Retry-After`).
 */

export interface IdentityDirectory {
  userProfile(user: UserRef): Promise<UserProfile>;
  groupMemberships(user: UserRef, limit: number): Promise<GroupMemberships>;
  /** Sign-ins since `since`, newest first, at most `limit`. */
  signIns(user: UserRef, since: string, limit: number): Promise<SignInEvent[]>;
  linkedDevices(user: UserRef, limit: number): Promise<LinkedDevices>;
  /** `undefined` when the user has never been risky. */
  riskState(user: UserRef): Promise<RiskState | undefined>;
}

export interface EndpointDirectory {
  hostDetails(host: string): Promise<HostDetails>;
}

export interface ContainmentContext {
  /** Call while waiting on a slow action so Temporal can tell a live worker from a dead one. */
  heartbeat(details?: unknown): void;
  /** 1 on the first try; higher after a retry or a crashed worker. */
  attempt: number;
  /** The details last heartbeated by an earlier attempt of this same action (for example a machine action id). */
  priorDetails: unknown;
  /** Aborted when the activity is cancelled or its worker shuts down. */
  signal: AbortSignal;
}

/** Each action checks the current state before acting, so repeating it (retries, crashed workers) is harmless. */
export interface ContainmentExecutor {
  /**
   * Whether the action's effect is in place right now. The workflow reads it for every planned action in a step of
   * its own, before any action runs, and hands it to `apply` as `request.inPlaceBefore`: the record of what this case
   * changed never depends on a heartbeat reaching the server.
   */
  isInPlace(request: ContainmentRequest): Promise<boolean>;
  apply(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome>;
  undo(request: ContainmentRequest, context: ContainmentContext): Promise<UndoOutcome>;
}

export interface Messenger {
  /**
   * Delivers "was this you?"; throws non-retryable when it cannot reach the user (blocked bot, unknown user). Asking
   * again for the same workflow must not ask twice. The deadline shown counts from delivery (`timeoutMs`).
   */
  askUser(question: UserQuestion): Promise<DeliveredQuestion>;
  /** Reminds the user, before the deadline, that the question is still open. */
  remindUser(reminder: QuestionReminder): Promise<void>;
  /** Replaces the question with its outcome (answered, expired, withdrawn). */
  updateQuestion(update: QuestionUpdate): Promise<void>;
  /** Hands the case to analysts; says where the SOC card went, when it can be replaced later. */
  escalate(notice: EscalationNotice): Promise<PostedEscalation | void>;
  /** Replaces a posted SOC card with the case as it now stands. */
  updateCaseCard(update: CaseCardUpdate): Promise<void>;
}

/** The blocked-IP named location, edited only by its writer workflow (see common/named-location.ts). */
export interface NamedLocationEditor {
  /** Applies the edits in one read-modify-write and verifies them; one result per edit, in order. */
  applyEdits(edits: RangeEdit[]): Promise<RangeEditResult[]>;
}

/**
 * Writes a case's transition back to the alert in its source SIEM (status, verdict, owner, a comment). Repeating a
 * request (retries, crashed workers) must not comment twice: check for the request's marker before writing.
 */
export interface SiemWriteBack {
  write(request: WriteBackRequest): Promise<WriteBackResult>;
}

/** A guest account as the posture routines read it (`signInActivity` is only returned when selected). */
export interface GuestAccount {
  id: string;
  mail?: string;
  displayName?: string;
  userPrincipalName?: string;
  accountEnabled?: boolean;
  createdDateTime?: string;
  externalUserState?: string;
  /** Last sign-in attempt (failures count too); absent when the guest never signed in. */
  lastSignInDateTime?: string;
}

export interface PrivilegedAssignment {
  roleDefinitionId: string;
  principal: {
    id: string;
    kind: 'user' | 'group' | 'servicePrincipal' | 'other';
    userPrincipalName?: string;
    displayName?: string;
  };
}

export interface MfaRegistration {
  id: string;
  userPrincipalName: string;
  isMfaRegistered: boolean;
  methodsRegistered: string[];
}

export interface RiskyUser {
  id: string;
  userPrincipalName: string;
  riskLevel: string;
  riskState: string;
  riskDetail?: string;
  riskLastUpdatedDateTime?: string;
}

/** What the posture routines read from the directory (Graph v1.0 in production; see integration notes §8). */
export interface PostureDirectory {
  guests(): Promise<GuestAccount[]>;
  /** `undefined` when the guest no longer exists. */
  guest(id: string): Promise<GuestAccount | undefined>;
  /** A user's sponsors that are people (groups are skipped: nobody in particular would answer). */
  sponsors(userId: string): Promise<{ objectId: string; userPrincipalName?: string; label: string }[]>;
  /** Active assignments of these role definitions, with their principal. */
  privilegedAssignments(roleDefinitionIds: string[]): Promise<PrivilegedAssignment[]>;
  /** MFA registration per user (`ids` narrows the read to these users). */
  mfaRegistrations(ids?: string[]): Promise<MfaRegistration[]>;
  /** Users Identity Protection rates high risk and still at risk. */
  riskyUsers(): Promise<RiskyUser[]>;
}

export interface Ports {
  identity: IdentityDirectory;
  endpoints: EndpointDirectory;
  containment: ContainmentExecutor;
  messenger: Messenger;
  /** Present where containment blocks IPs in a named location (Graph); its writer workflow's activity uses it. */
  namedLocations?: NamedLocationEditor;
  /** Present where some source has write-back configured; without it every case records "not configured". */
  writeBack?: SiemWriteBack;
  /** What the posture routines read (activities/posture); absent where they cannot run. */
  posture?: PostureDirectory;
}

/** Where posture findings that need a triage case go: the intake's dispatcher (dedupe, correlation, policies). */
export interface PostureCaseIntake {
  submit(alert: Alert): Promise<{ outcome: string; workflowId: string }>;
}
