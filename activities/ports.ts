import type {
  ContainmentOutcome,
  ContainmentRequest,
  EscalationNotice,
  GroupMemberships,
  HostDetails,
  LinkedDevices,
  QuestionUpdate,
  RiskState,
  SignInEvent,
  UndoOutcome,
  UserProfile,
  UserQuestion,
  UserRef,
} from '../common/triage';

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
  /** The details last heartbeated by an earlier attempt of this same action (see `checkThenAct`). */
  priorDetails: unknown;
  /** Aborted when the activity is cancelled or its worker shuts down. */
  signal: AbortSignal;
}

/** Each action checks the current state before acting, so repeating it (retries, crashed workers) is harmless. */
export interface ContainmentExecutor {
  /**
   * Whether the action's effect is in place right now. When provided, the activity reads it for every action of a
   * batch and records all pre-states in one heartbeat before any action runs, so a crash mid-batch cannot lose them.
   */
  isInPlace?(request: ContainmentRequest): Promise<boolean>;
  apply(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome>;
  undo(request: ContainmentRequest, context: ContainmentContext): Promise<UndoOutcome>;
}

export interface Messenger {
  /** Delivers "was this you?"; throws non-retryable when it cannot reach the user (blocked bot, unknown user). */
  askUser(question: UserQuestion): Promise<{ messageRef: string }>;
  /** Replaces the question with its outcome (answered, expired, withdrawn). */
  updateQuestion(update: QuestionUpdate): Promise<void>;
  /** Hands the case to analysts. */
  escalate(notice: EscalationNotice): Promise<void>;
}

export interface Ports {
  identity: IdentityDirectory;
  endpoints: EndpointDirectory;
  containment: ContainmentExecutor;
  messenger: Messenger;
}
