import type { Alert } from './alert';
import type { ExerciseMatch } from './exercise';
import type { ContainmentAction, RulePolicy, RuleMode } from './policy';
import type { StepUpProof } from './step-up';
import type { WriteBackRecord } from './write-back';

/** Shapes shared by the triage workflow, its activities and its clients. Pure: safe in workflow code. */

// ---- enrichment -------------------------------------------------------------------------------------------------

export const enrichmentLimits = { signIns: 20, distinctIps: 20, groups: 50, devices: 20 } as const;

export interface UserProfile {
  id: string;
  userPrincipalName: string;
  displayName: string;
  department?: string;
  jobTitle?: string;
  accountEnabled?: boolean;
  onPremisesSyncEnabled?: boolean;
  manager?: { displayName: string; userPrincipalName?: string };
}

export interface GroupMemberships {
  total: number;
  truncated: boolean;
  groups: { id: string; displayName: string; kind: 'group' | 'directoryRole' | 'administrativeUnit' }[];
}

export interface SignInEvent {
  at: string;
  ip: string;
  location?: string;
  app?: string;
  device?: string;
  succeeded: boolean;
  failureReason?: string;
  risk?: string;
}

export interface SignInSummary {
  since: string;
  total: number;
  failures: number;
  distinctIps: { ip: string; firstSeen: string; lastSeen: string; count: number; locations: string[] }[];
  /** Newest first, at most `enrichmentLimits.signIns`. */
  recent: SignInEvent[];
}

export interface LinkedDevices {
  devices: {
    id: string;
    name: string;
    operatingSystem?: string;
    compliant?: boolean;
    managed?: boolean;
    lastSeen?: string;
    source: 'registered' | 'owned' | 'intune';
  }[];
  truncated: boolean;
}

export interface RiskState {
  riskLevel: string;
  riskState: string;
  riskDetail?: string;
  lastUpdated?: string;
}

export interface HostDetails {
  id: string;
  name: string;
  operatingSystem?: string;
  healthStatus?: string;
  riskScore?: string;
  exposureLevel?: string;
  lastSeen?: string;
  lastIpAddress?: string;
}

/** Each part of the context either arrived or says why it is missing; one failing source never blocks the rest. */
export type Section<T> =
  { status: 'ok'; data: T } | { status: 'unavailable'; reason: string } | { status: 'not-applicable'; reason: string };

export interface Enrichment {
  profile: Section<UserProfile>;
  groups: Section<GroupMemberships>;
  signIns: Section<SignInSummary>;
  devices: Section<LinkedDevices>;
  risk: Section<RiskState>;
  host: Section<HostDetails>;
}
export type EnrichmentPart = keyof Enrichment;
export const enrichmentParts: EnrichmentPart[] = ['profile', 'groups', 'signIns', 'devices', 'risk', 'host'];

// ---- case state ---------------------------------------------------------------------------------------------------

export const triageStates = [
  'enriching',
  'awaiting-user',
  'awaiting-analyst',
  'containing',
  'contained',
  'releasing',
  'closed',
] as const;
export type TriageState = (typeof triageStates)[number];

export type Disposition = 'undetermined' | 'true-positive' | 'benign-positive' | 'false-positive';

/** Who settled the case: the user's answer, the automatic route, or an analyst. */
export type SettledBy = 'user' | 'automation' | 'analyst';

export type UserAnswer = 'it-was-me' | 'it-was-not-me';

export const analystDecisionKinds = [
  'contain',
  'close-true-positive',
  'close-benign',
  'close-false-positive',
  'release-containment',
  /** Only from a source's own close that names no verdict: the case closes and containment stays. */
  'close-undetermined',
] as const;
export type AnalystDecisionKind = (typeof analystDecisionKinds)[number];
/** What an analyst may decide (Teams, the CLI); `close-undetermined` is a source's close only. */
export const analystChoices = analystDecisionKinds.filter((kind) => kind !== 'close-undetermined');
export const analystDecisionLabels: Record<AnalystDecisionKind, string> = {
  contain: 'Contain',
  'close-true-positive': 'Close as true positive',
  'close-benign': 'Close as benign',
  'close-false-positive': 'Close as false positive',
  'release-containment': 'Release containment',
  'close-undetermined': 'Close as undetermined',
};

export interface AnalystDecision {
  analystId: string;
  /** The analyst's display name, as the caller authenticated them (Teams); the id stands in where it is absent. */
  analystName?: string;
  decision: AnalystDecisionKind;
  note?: string;
  /** Only for `contain`: which actions; defaults to the rule's actions, else every action the alert's entities allow. */
  actions?: ContainmentAction[];
  /** The caller's request id, when the decision came by signal: ties the recorded decision to its request. */
  requestId?: string;
  /** A close the source itself sent: never written back to that source (it would echo). */
  fromSource?: boolean;
}

/** The disposition a user's answer settles: "not me" is a true positive; "me" is benign where the rule closes on it. */
export function dispositionForAnswer(answer: UserAnswer, onUserConfirms: RulePolicy['onUserConfirms']): Disposition {
  if (answer === 'it-was-not-me') return 'true-positive';
  return onUserConfirms === 'close' ? 'benign-positive' : 'undetermined';
}

/**
 * What became of an answer or decision sent by signal, by the caller's request id: `accepted` (queued), `applied` (it
 * took effect; `result` says how) or `refused` (`reason` is the workflow's own).
 */
export interface RequestOutcome {
  requestId: string;
  kind: 'answer' | 'decision';
  status: 'accepted' | 'applied' | 'refused';
  reason?: string;
  result?: string;
  at: string;
}

export interface ContainmentRecord {
  action: ContainmentAction;
  target: string;
  /** `applied`: this case changed the world; `already-in-place`: it was so before (and undo leaves it so). */
  status: 'applied' | 'already-in-place' | 'failed' | 'undone' | 'skipped';
  detail: string;
  at: string;
}

/** One applied containment action the drift guard found no longer in place (someone outside this product undid it). */
export interface ContainmentDrift {
  action: ContainmentAction;
  /** As the case's containment record names it (`containmentTarget`). */
  target: string;
  /** When the drift guard read the effect as no longer in place. */
  observedAt: string;
}

/**
 * One applied action the containment drift guard reported undone outside this product, and what the case did about
 * it: `queued` until the case handles it; `re-applied`, `escalated` (the rule only escalates, or re-applying failed),
 * `recorded` (the guard only reports), or `ignored` (not something this case applied and holds; `outcome` says why).
 */
export interface DriftRecord {
  at: string;
  action: ContainmentAction;
  target: string;
  /** The drift guard's run that reported it. */
  runId: string;
  observedAt: string;
  status: 'queued' | 're-applied' | 'escalated' | 'recorded' | 'ignored';
  outcome: string;
}

export interface RelatedAlert {
  source: string;
  sourceAlertId: string;
  kind: 'redelivery' | 'update' | 'close' | 'related';
  ruleId?: string;
  detectedAt?: string;
  receivedAt: string;
  /** A close only: the verdict the source's analyst gave. With it the close settles the case; older signals lack it. */
  disposition?: Disposition;
  /** A close only: who closed it in the source, as the source names them. */
  closedBy?: string;
}

export interface QuestionState {
  userId: string;
  userPrincipalName?: string;
  askedAt: string;
  deadline: string;
  /** Reference returned by the messenger (for example the Teams activity id), used to update the card. */
  messageRef?: string;
  /** Set when the rule asks for step-up: a "yes" counts only with a verified step-up proof. */
  stepUpRequired?: boolean;
  answer?: { answer: UserAnswer; at: string; stepUp?: StepUpProof };
  outcome?: 'answered' | 'expired' | 'withdrawn' | 'undeliverable';
  /** When the reminder before the deadline was sent. */
  remindedAt?: string;
}

export interface CaseState {
  workflowId: string;
  alert: Alert;
  route: RuleMode;
  triageState: TriageState;
  disposition: Disposition;
  settledBy?: SettledBy;
  enrichment?: Enrichment;
  question?: QuestionState;
  escalations: { at: string; reason: string }[];
  decisions: (AnalystDecision & { at: string; result: string })[];
  containment: ContainmentRecord[];
  relatedAlerts: RelatedAlert[];
  relatedAlertCount: number;
  receivedAt: string;
  triagedAt?: string;
  containedAt?: string;
  closedAt?: string;
  closeReason?: string;
  /** Shadow mode: what automatic containment would have done when the case was routed (it did not). */
  wouldHaveContained?: { at: string; actions: ContainmentAction[] };
  /** The SOC card of the latest escalation, replaced with the case as it ends after each decision. */
  socCardRef?: string;
  /** The detection exercise this alert belongs to: the case is handled as the exercise's (`SocRoute` = exercise). */
  exercise?: ExerciseMatch;
  /** Outcomes of the answers and decisions sent by signal, oldest first (the last `MAX_REQUEST_OUTCOMES`). */
  requests?: RequestOutcome[];
  /** What was written back to the alert's source, one record per transition (SIEM write-back). */
  writeBack?: WriteBackRecord[];
  /** Containment drift reported by the drift guard and what became of it, oldest first (the last `MAX_DRIFT_RECORDS`). */
  drift?: DriftRecord[];
}

// ---- workflow input -----------------------------------------------------------------------------------------------

export interface TriageInput {
  alert: Alert;
  policy: RulePolicy;
  /** Entra object ids of the analysts whose decisions are accepted. */
  analysts: string[];
  receivedAt: string;
  /** Set only when the workflow continues as new with its case so far. */
  carriedState?: CaseState;
  /** The correlation gate this case may own (rules that ask the user); told when the case closes. */
  correlationGateId?: string;
}

// ---- activity payloads ----------------------------------------------------------------------------------------------

export interface UserRef {
  objectId?: string;
  userPrincipalName?: string;
}

export interface ContainmentRequest {
  /** Idempotency key: workflow id + action. */
  workflowId: string;
  action: ContainmentAction;
  /** When the workflow asked for the action; revocation counts as in place if sessions were revoked since. */
  requestedAt?: string;
  user?: UserRef;
  host?: string;
  ip?: string;
  /**
   * Whether the effect was in place before this case acted, read in its own step whose result is in the workflow's
   * history (so no crash can lose it). Absent only for cases started before that step existed.
   */
  inPlaceBefore?: boolean;
}

/** The state of one planned action before containment acts, or why it could not be read. */
export type PriorState = { action: ContainmentAction } & ({ inPlace: boolean } | { failed: string });

export interface ContainmentOutcome {
  status: 'applied' | 'already-in-place';
  target: string;
  detail: string;
}

export interface UndoOutcome {
  status: 'undone' | 'nothing-to-undo';
  detail: string;
}

/** One action's result in a containment batch; `failed` carries the reason an analyst reads. */
export type ContainmentResult = { action: ContainmentAction } & (
  ContainmentOutcome | { status: 'failed'; target: string; detail: string }
);
export type UndoResult = { action: ContainmentAction } & (UndoOutcome | { status: 'failed'; detail: string });

/** The entity an action is aimed at, as people name it. */
export function containmentTarget(request: ContainmentRequest): string {
  return request.user?.userPrincipalName ?? request.user?.objectId ?? request.host ?? request.ip ?? '';
}

/** What one answer says on its button, and what follows once it is recorded. */
export interface AnswerWording {
  label: string;
  after: string;
}

/**
 * A question put in other words than "Was this you?" (a posture finding's). Every part may name finding-derived things
 * (guests, roles) and is shown as plain text. The answers on the wire stay `UserAnswer`s: the card offers only the
 * answers worded here, in `UserAnswer` order.
 */
export interface QuestionWording {
  heading: string;
  intro: string;
  answers: Partial<Record<UserAnswer, AnswerWording>>;
  footer: string;
}

export interface UserQuestion {
  workflowId: string;
  alert: Alert;
  user: UserRef;
  /** The deadline if the question were delivered now; with `timeoutMs` the card counts it from its delivery. */
  deadline: string;
  /** How long the user has from delivery: the workflow's deadline counts from the moment the question is delivered. */
  timeoutMs?: number;
  /** Facts that let a person recognise the event: time, IP and its location, host, application. */
  facts: { label: string; value: string }[];
  /** The "yes" leads to a step-up sign-in first (the card's binding says so). */
  stepUp?: boolean;
  /** Absent: the triage wording ("Was this you?"). */
  wording?: QuestionWording;
}

export interface DeliveredQuestion {
  messageRef: string;
}

export interface QuestionUpdate {
  workflowId: string;
  user: UserRef;
  messageRef: string;
  outcome: 'answered' | 'expired' | 'withdrawn';
  answer?: UserAnswer;
  /** The question's own wording, so the settled card says the answer in the words it was offered in. */
  wording?: QuestionWording;
}

export interface QuestionReminder {
  workflowId: string;
  user: UserRef;
  messageRef: string;
  alert: Alert;
  deadline: string;
}

export interface EscalationNotice {
  workflowId: string;
  alert: Alert;
  reason: string;
  disposition: Disposition;
  /** Markdown summary of the case so far. */
  summary: string;
  containment: ContainmentRecord[];
  attempt: number;
}

/** Where the SOC card of an escalation was posted, so the case can replace it as it moves on. */
export interface PostedEscalation {
  messageRef?: string;
}

/** The SOC card replaced with the case as it now stands (after a decision: disposition, state, what was undone). */
export interface CaseCardUpdate extends EscalationNotice {
  messageRef: string;
  closed: boolean;
  decided?: { decision: AnalystDecisionKind; by: string; at: string; result: string };
}
