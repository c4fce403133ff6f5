import { containmentActions, type ContainmentAction } from '../../common/policy-terms';
import {
  analystChoices,
  type AnalystDecision,
  type CaseState,
  type QuestionState,
  type RequestOutcome,
} from '../../common/triage';
import type { UserAnswerRequest } from '../../common/messages/triage';
import { isStepUpProof, STEP_UP_ANSWERS } from '../../common/step-up';

/**
 * The rules an answer or a decision must pass, whichever way it arrives (Update or Signal), written once. Each returns
 * the refusal a person reads, or undefined when the request may take effect. Pure: safe in workflow code.
 */

export const MAX_PENDING_DECISIONS = 5;
export const MAX_REQUEST_OUTCOMES = 50;
/** How far ahead of workflow time a caller's clock may be before its `sentAt` stops being believed. */
export const SENT_AT_SKEW_MS = 60_000;

export function answerRefusal(
  question: QuestionState | undefined,
  { userId, answer, stepUp }: UserAnswerRequest,
  answeredAtMs: number,
  { duringDelivery = false }: { duringDelivery?: boolean } = {},
): string | undefined {
  if (answer !== 'it-was-me' && answer !== 'it-was-not-me') return `unknown answer "${answer}"`;
  if (!question || (!question.messageRef && !duringDelivery)) return 'the user has not been asked about this alert';
  if (duringDelivery && question.outcome === 'undeliverable')
    return 'the card could not be confirmed as delivered, and the security team has taken over this case';
  const asked = [question.userId, question.userPrincipalName].filter(Boolean).map((id) => id!.toLowerCase());
  if (!asked.includes(userId.toLowerCase()))
    return `only ${question.userPrincipalName ?? question.userId} can answer this question`;
  if (question.answer) return 'this question has already been answered';
  if (question.outcome === 'withdrawn') return 'the security team has taken over this case';
  if (question.outcome || answeredAtMs >= Date.parse(question.deadline)) return 'this question has expired';
  if (question.stepUpRequired && (STEP_UP_ANSWERS as readonly string[]).includes(answer) && !isStepUpProof(stepUp))
    return 'this answer counts only after a verified step-up sign-in with MFA';
  return undefined;
}

/**
 * When the user answered, as the workflow believes it: the trusted caller's `sentAt`, but never before the question
 * was asked nor after workflow time (plus a little clock skew). Workers being down does not make an answer late.
 */
export function answeredAt(question: QuestionState | undefined, sentAt: string | undefined, nowMs: number): number {
  const sent = sentAt === undefined ? NaN : Date.parse(sentAt);
  if (Number.isNaN(sent)) return nowMs;
  const asked = question ? Date.parse(question.askedAt) : -Infinity;
  return Math.min(Math.max(sent, asked), nowMs + SENT_AT_SKEW_MS);
}

export function decisionRefusal(
  decision: AnalystDecision,
  context: {
    state: CaseState;
    analysts: string[];
    pending: AnalystDecision[];
    containable: (actions?: ContainmentAction[]) => boolean;
  },
): string | undefined {
  const { state, analysts, pending } = context;
  if (!analysts.includes(decision.analystId)) return `${decision.analystId} is not a configured analyst`;
  if (state.triageState === 'closed' || pending.some((d) => d.decision.startsWith('close-')))
    return 'this case is already closed';
  if (pending.length >= MAX_PENDING_DECISIONS) return 'too many decisions are waiting; try again shortly';
  if (decision.decision === 'release-containment' && !state.containment.some((c) => c.status === 'applied'))
    return 'nothing is contained for this case';
  const unknownAction = decision.actions?.find((action) => !(containmentActions as readonly string[]).includes(action));
  if (unknownAction !== undefined) return `unknown containment action "${unknownAction}"`;
  if (decision.decision === 'contain' && !context.containable(decision.actions))
    return 'the alert names no user, host or IP that could be contained';
  if (!(analystChoices as string[]).includes(decision.decision)) return `unknown decision "${decision.decision}"`;
  return undefined;
}

/** Request ids the workflow can tell apart: anything else is not a request it could report on. */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 256;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isOptionalString = (value: unknown) => value === undefined || isString(value);

/** A signal's payload is not checked by anyone before the handler: its shape is, here, so a bad one is refused. */
export function isAnswerRequest(value: { userId?: unknown; answer?: unknown }): value is UserAnswerRequest {
  return isString(value.userId) && isString(value.answer);
}

export function isDecisionRequest(value: {
  analystId?: unknown;
  decision?: unknown;
  note?: unknown;
  actions?: unknown;
}): value is AnalystDecision {
  return (
    isString(value.analystId) &&
    isString(value.decision) &&
    isOptionalString(value.note) &&
    (value.actions === undefined || (Array.isArray(value.actions) && value.actions.every(isString)))
  );
}

export function findRequest(state: CaseState, requestId: string): RequestOutcome | undefined {
  return state.requests?.find((r) => r.requestId === requestId);
}

/** Records (or replaces) a request's outcome, keeping the newest `MAX_REQUEST_OUTCOMES`. */
export function recordRequest(state: CaseState, outcome: RequestOutcome): void {
  const requests = (state.requests ??= []);
  const index = requests.findIndex((r) => r.requestId === outcome.requestId);
  if (index >= 0) requests[index] = outcome;
  else requests.push(outcome);
  if (requests.length > MAX_REQUEST_OUTCOMES) requests.splice(0, requests.length - MAX_REQUEST_OUTCOMES);
}

/**
 * A request's outcome as the caller should read it. A queued decision's entry stays `accepted`; once it ran, the case's
 * `decisions` hold it under the same request id with its result, and it reads `applied`. A decision still queued when
 * the case closed never runs.
 */
export function requestOutcome(state: CaseState, requestId: string): RequestOutcome | undefined {
  const recorded = findRequest(state, requestId);
  if (recorded?.status !== 'accepted') return recorded;
  const ran = state.decisions.find((d) => d.requestId === requestId);
  if (ran) return { ...recorded, status: 'applied', result: ran.result, at: ran.at };
  if (state.triageState === 'closed')
    return { ...recorded, status: 'refused', reason: 'the case closed before this decision could run' };
  return recorded;
}
