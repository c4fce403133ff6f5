import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { StepUpProof } from '../step-up';
import type { AnalystDecision, CaseState, ContainmentDrift, RelatedAlert, RequestOutcome, UserAnswer } from '../triage';

/** Every message the triage workflow understands, shared by the workflow and its clients (CLI, intake, Teams bot). */

export interface UserAnswerRequest {
  /** Entra object id (or UPN) of the person answering, as authenticated by the caller. */
  userId: string;
  answer: UserAnswer;
  /** The verified step-up behind a "yes" (see `common/step-up.ts`); required where the rule asks for step-up. */
  stepUp?: StepUpProof;
}

export interface UserAnswerResult {
  recorded: true;
  triageState: CaseState['triageState'];
  disposition: CaseState['disposition'];
}

export interface AnalystDecisionResult {
  triageState: CaseState['triageState'];
  disposition: CaseState['disposition'];
  result: string;
}

/**
 * The affected user's "was this you?" answer. Rejected for anyone else, a second answer, or after the deadline. Kept
 * for recorded histories and direct callers; the bot and the CLI send `answerQuestionSignal`, durable with no worker up.
 */
export const answerQuestionUpdate = defineUpdate<UserAnswerResult, [UserAnswerRequest]>('answerQuestion');

/**
 * An analyst's decision at any stage. Accepted only from configured analysts. Kept for recorded histories and direct
 * callers; the bot and the CLI send `analystDecisionSignal`, durable with no worker up.
 */
export const analystDecisionUpdate = defineUpdate<AnalystDecisionResult, [AnalystDecision]>('analystDecision');

/**
 * What a signalled answer or decision carries besides its content. A signal is durable once the call returns, even
 * with no worker up (an Update is not until a worker accepts it): the bot and the CLI use these signals.
 */
export interface SignalledRequest {
  /** Chosen by the caller and stable across its own retries (the Teams invoke's activity id; a UUID per CLI command). */
  requestId: string;
  /** ISO time the trusted caller received the request; an answer's timeliness is judged by it (clamped). */
  sentAt: string;
}

/** The same answer as `answerQuestionUpdate`, durable at once; its outcome is read with `requestOutcomeQuery`. */
export const answerQuestionSignal = defineSignal<[UserAnswerRequest & SignalledRequest]>('answerQuestionSignal');

/** The same decision as `analystDecisionUpdate`, durable at once; its outcome is read with `requestOutcomeQuery`. */
export const analystDecisionSignal = defineSignal<[AnalystDecision & SignalledRequest]>('analystDecisionSignal');

/** The outcome of a signalled answer or decision by its request id; null until the workflow has seen it. */
export const requestOutcomeQuery = defineQuery<RequestOutcome | null, [string]>('requestOutcome');

/** A redelivered, updated or related alert for the same case. */
export const relatedAlertSignal =
  defineSignal<[Omit<RelatedAlert, 'receivedAt'> & { receivedAt?: string }]>('relatedAlert');

export const caseStateQuery = defineQuery<CaseState>('caseState');

export type { ContainmentDrift };

export interface ContainmentDriftReport {
  /** The drift guard's run (its workflow id), for the record. */
  runId: string;
  routineId: string;
  /** `act`: the case re-applies or escalates, as its rule says; `report`: the case records the drift only. */
  mode: 'act' | 'report';
  drifted: ContainmentDrift[];
}

/** From the containment drift guard (posture routine `containment-drift`) to an open case that contained something. */
export const containmentDriftSignal = defineSignal<[ContainmentDriftReport]>('containmentDrift');
