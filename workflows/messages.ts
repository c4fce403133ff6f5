import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AnalystDecision, CaseState, RelatedAlert, UserAnswer } from '../common/triage';

/** Every message the triage workflow understands, shared by the workflow and its clients (CLI, intake, Teams bot). */

export interface UserAnswerRequest {
  /** Entra object id (or UPN) of the person answering, as authenticated by the caller. */
  userId: string;
  answer: UserAnswer;
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

/** The affected user's "was this you?" answer. Rejected for anyone else, a second answer, or after the deadline. */
export const answerQuestionUpdate = defineUpdate<UserAnswerResult, [UserAnswerRequest]>('answerQuestion');

/** An analyst's decision at any stage. Accepted only from configured analysts. */
export const analystDecisionUpdate = defineUpdate<AnalystDecisionResult, [AnalystDecision]>('analystDecision');

/** A redelivered, updated or related alert for the same case. */
export const relatedAlertSignal =
  defineSignal<[Omit<RelatedAlert, 'receivedAt'> & { receivedAt?: string }]>('relatedAlert');

export const caseStateQuery = defineQuery<CaseState>('caseState');
