import * as wf from '@temporalio/workflow';
import {
  analystDecisionSignal,
  analystDecisionUpdate,
  answerQuestionSignal,
  answerQuestionUpdate,
  caseStateQuery,
  containmentDriftSignal,
  relatedAlertSignal,
  requestOutcomeQuery,
  type UserAnswerRequest,
} from '../../common/messages/triage';
import { dispositionForAnswer, type AnalystDecision, type Disposition, type RequestOutcome } from '../../common/triage';
import { isStepUpProof } from '../../common/step-up';
import type { TriageCase } from './case';
import {
  answeredAt,
  answerRefusal,
  decisionRefusal,
  findRequest,
  isAnswerRequest,
  isDecisionRequest,
  isRequestId,
  recordRequest,
  requestOutcome,
} from './requests';
import { sourceCloseDecisions } from './rules';

const MAX_RELATED_ALERTS = 20;

/** Every message the case answers: queries, related alerts, answers and decisions (as Signals, and as Updates). */
export function registerHandlers(triage: TriageCase): void {
  const { state, pending, policy, analysts } = triage;
  const delivery = { duringDelivery: triage.answersDuringDelivery };
  const { alert } = state;
  const seenRelated = new Set(state.relatedAlerts.map((r) => `${r.source}|${r.sourceAlertId}|${r.kind}`));

  wf.setHandler(caseStateQuery, () => state);

  wf.setHandler(relatedAlertSignal, (related) => {
    const key = `${related.source}|${related.sourceAlertId}|${related.kind}`;
    if (seenRelated.has(key)) return;
    seenRelated.add(key);
    state.relatedAlertCount += 1;
    if (state.relatedAlerts.length < MAX_RELATED_ALERTS)
      state.relatedAlerts.push({ ...related, receivedAt: related.receivedAt ?? triage.now() });
    // A close of an alert attached to this case from elsewhere (correlation) does not settle the case.
    const ownAlert = related.source === alert.source && related.sourceAlertId === alert.sourceAlertId;
    if (related.kind === 'close' && related.disposition && ownAlert)
      queueSourceClose(related.disposition, related.closedBy);
  });

  /**
   * The source closed this case's own alert: settle it as its analyst did, as a queued decision (the source's analyst
   * is not one of ours, so the analyst check does not apply). Releasing follows the verdict, as for an analyst's close.
   */
  function queueSourceClose(disposition: Disposition, closedBy = 'an unnamed user'): void {
    const decision = Object.hasOwn(sourceCloseDecisions, disposition) ? sourceCloseDecisions[disposition] : undefined;
    if (!decision || state.triageState === 'closed' || pending.some((d) => d.decision.startsWith('close-'))) return;
    pending.push({
      analystId: `${alert.source}:${closedBy}`,
      decision,
      note: `closed in ${alert.source} by ${closedBy} (${disposition})`,
      fromSource: true,
    });
  }

  const refusal = (reason: string | undefined): void => {
    if (reason) throw new Error(reason);
  };
  const decisionRefusalNow = (decision: AnalystDecision) =>
    decisionRefusal(decision, {
      state,
      analysts,
      pending,
      containable: (actions) => triage.plan(actions).length > 0,
    });
  function recordAnswer({ answer, stepUp }: UserAnswerRequest, atMs: number): Disposition {
    const question = state.question!;
    question.answer = { answer, at: new Date(atMs).toISOString(), ...(isStepUpProof(stepUp) ? { stepUp } : {}) };
    question.outcome = 'answered';
    return dispositionForAnswer(answer, policy.onUserConfirms);
  }
  function queueDecision({ fromSource: _onlyTheSourcesOwnClose, ...decision }: AnalystDecision): string {
    pending.push(decision);
    return `${decision.decision} accepted`;
  }

  // The Updates stay for the histories that hold them; the bot and the CLI send the Signals, durable with no worker up.
  wf.setHandler(
    answerQuestionUpdate,
    (request) => ({
      recorded: true as const,
      triageState: state.triageState,
      disposition: recordAnswer(request, Date.now()),
    }),
    { validator: (request) => refusal(answerRefusal(state.question, request, Date.now(), delivery)) },
  );

  wf.setHandler(
    analystDecisionUpdate,
    (decision) => ({ triageState: state.triageState, disposition: state.disposition, result: queueDecision(decision) }),
    { validator: (decision) => refusal(decisionRefusalNow(decision)) },
  );

  wf.setHandler(answerQuestionSignal, ({ requestId, sentAt, ...request }) => {
    if (!isRequestId(requestId) || findRequest(state, requestId)) return;
    const record = (outcome: Pick<RequestOutcome, 'status' | 'reason' | 'result'>) =>
      recordRequest(state, { requestId, kind: 'answer', at: triage.now(), ...outcome });
    const atMs = answeredAt(state.question, sentAt, Date.now());
    const reason = isAnswerRequest(request)
      ? answerRefusal(state.question, request, atMs, delivery)
      : 'malformed answer';
    if (reason) return record({ status: 'refused', reason });
    record({ status: 'applied', result: `recorded; disposition ${recordAnswer(request, atMs)}` });
  });

  wf.setHandler(analystDecisionSignal, ({ requestId, sentAt: _sentAt, ...decision }) => {
    if (!isRequestId(requestId) || findRequest(state, requestId)) return;
    const record = (outcome: Pick<RequestOutcome, 'status' | 'reason' | 'result'>) =>
      recordRequest(state, { requestId, kind: 'decision', at: triage.now(), ...outcome });
    const reason = isDecisionRequest(decision) ? decisionRefusalNow(decision) : 'malformed decision';
    if (reason) return record({ status: 'refused', reason });
    // The requestId travels with the decision into `state.decisions`, where requestOutcome finds it applied.
    record({ status: 'accepted', result: queueDecision({ ...decision, requestId }) });
  });

  wf.setHandler(containmentDriftSignal, (report) => triage.drift.receive(report));

  wf.setHandler(requestOutcomeQuery, (requestId) => requestOutcome(state, requestId) ?? null);
}
