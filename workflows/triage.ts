import type { SearchAttributeUpdatePair } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { TriageActivities } from '../activities';
import type { ContainmentAction } from '../common/policy';
import {
  ClosedAtKey,
  ContainedAtKey,
  DispositionKey,
  QuestionOutcomeKey,
  SettledByKey,
  TriagedAtKey,
  TriageStateKey,
  WouldContainKey,
} from '../common/search-attributes';
import type {
  AnalystDecision,
  CaseState,
  ContainmentRecord,
  ContainmentRequest,
  ContainmentResult,
  Disposition,
  RequestOutcome,
  SettledBy,
  TriageInput,
  UndoResult,
  UserAnswer,
} from '../common/triage';
import { containmentTarget, dispositionForAnswer } from '../common/triage';
import { recordCaseMetrics } from './case-metrics';
import { renderCase } from './details';
import {
  analystDecisionSignal,
  analystDecisionUpdate,
  answerQuestionSignal,
  answerQuestionUpdate,
  caseStateQuery,
  relatedAlertSignal,
  requestOutcomeQuery,
} from './messages';
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

const ENRICHMENT_ATTEMPTS = 5;
const MAX_RELATED_ALERTS = 20;

const { gatherContext } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: ENRICHMENT_ATTEMPTS,
  },
});

const CONTAINMENT_ATTEMPTS = 10;
const { applyContainment, undoContainment } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: CONTAINMENT_ATTEMPTS,
  },
});

const { askUser, updateQuestion, escalate } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

const actionLabels: Record<ContainmentAction, string> = {
  'disable-account': 'Disable account',
  'revoke-sessions': 'Revoke sessions',
  'isolate-host': 'Isolate host',
  'block-ip': 'Block IP',
};

function failureReason(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof wf.ActivityFailure && cause.cause) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}

/** One workflow per alert: enrich, route by the rule's policy, ask the user or escalate, contain, undo, close. */
export async function triageWorkflow(input: TriageInput): Promise<CaseState> {
  const { alert, policy, analysts } = input;
  const now = () => new Date().toISOString();
  const state: CaseState = input.carriedState ?? {
    workflowId: wf.workflowInfo().workflowId,
    alert,
    route: policy.mode,
    triageState: 'enriching',
    disposition: 'undetermined',
    escalations: [],
    decisions: [],
    containment: [],
    relatedAlerts: [],
    relatedAlertCount: 0,
    receivedAt: input.receivedAt,
  };
  const pending: AnalystDecision[] = [];
  const seenRelated = new Set(state.relatedAlerts.map((r) => `${r.source}|${r.sourceAlertId}|${r.kind}`));
  /** True from an escalation until an analyst acts: while it holds, silence escalates again. */
  let awaitingAnalystAction = state.triageState === 'awaiting-analyst';

  const user =
    alert.entities.userObjectId || alert.entities.userPrincipalName
      ? { objectId: alert.entities.userObjectId, userPrincipalName: alert.entities.userPrincipalName }
      : undefined;

  // ---- publishing state ----------------------------------------------------------------------------------------

  let published = '';
  /** Shows the case in the Web UI: search attributes (only when they changed: each upsert is a history event) and details. */
  function publish(): void {
    const attributes = [
      { key: TriageStateKey, value: state.triageState },
      { key: DispositionKey, value: state.disposition },
      ...(state.settledBy ? [{ key: SettledByKey, value: state.settledBy }] : []),
      ...(state.triagedAt ? [{ key: TriagedAtKey, value: new Date(state.triagedAt) }] : []),
      ...(state.containedAt ? [{ key: ContainedAtKey, value: new Date(state.containedAt) }] : []),
      ...(state.closedAt ? [{ key: ClosedAtKey, value: new Date(state.closedAt) }] : []),
      ...(state.question?.outcome ? [{ key: QuestionOutcomeKey, value: state.question.outcome }] : []),
      ...(state.wouldHaveContained ? [{ key: WouldContainKey, value: true }] : []),
    ] as SearchAttributeUpdatePair[];
    const fingerprint = JSON.stringify(attributes.map((a) => [a.key.name, a.value]));
    if (fingerprint !== published) {
      wf.upsertSearchAttributes(attributes);
      published = fingerprint;
    }
    wf.setCurrentDetails(renderCase(state));
    recordCaseMetrics(state);
  }

  function triaged(disposition: Disposition, by: SettledBy): void {
    state.disposition = disposition;
    state.triagedAt ??= now();
    state.settledBy ??= by;
  }

  // ---- handlers -------------------------------------------------------------------------------------------------

  wf.setHandler(caseStateQuery, () => state);

  wf.setHandler(relatedAlertSignal, (related) => {
    const key = `${related.source}|${related.sourceAlertId}|${related.kind}`;
    if (seenRelated.has(key)) return;
    seenRelated.add(key);
    state.relatedAlertCount += 1;
    if (state.relatedAlerts.length < MAX_RELATED_ALERTS)
      state.relatedAlerts.push({ ...related, receivedAt: related.receivedAt ?? now() });
  });

  const refusal = (reason: string | undefined): void => {
    if (reason) throw new Error(reason);
  };
  const decisionRefusalNow = (decision: AnalystDecision) =>
    decisionRefusal(decision, {
      state,
      analysts,
      pending,
      knownActions: Object.keys(actionLabels),
      containable: (actions) => containmentPlan(actions).length > 0,
    });
  function recordAnswer(answer: UserAnswer, atMs: number): Disposition {
    const question = state.question!;
    question.answer = { answer, at: new Date(atMs).toISOString() };
    question.outcome = 'answered';
    return dispositionForAnswer(answer, policy.onUserConfirms);
  }
  function queueDecision(decision: AnalystDecision): string {
    pending.push(decision);
    return `${decision.decision} accepted`;
  }

  // The Updates stay for the histories that hold them; the bot and the CLI send the Signals, durable with no worker up.
  wf.setHandler(
    answerQuestionUpdate,
    ({ answer }) => ({
      recorded: true as const,
      triageState: state.triageState,
      disposition: recordAnswer(answer, Date.now()),
    }),
    { validator: (request) => refusal(answerRefusal(state.question, request, Date.now())) },
  );

  wf.setHandler(
    analystDecisionUpdate,
    (decision) => ({ triageState: state.triageState, disposition: state.disposition, result: queueDecision(decision) }),
    { validator: (decision) => refusal(decisionRefusalNow(decision)) },
  );

  wf.setHandler(answerQuestionSignal, ({ requestId, sentAt, ...request }) => {
    if (!isRequestId(requestId) || findRequest(state, requestId)) return;
    const record = (outcome: Pick<RequestOutcome, 'status' | 'reason' | 'result'>) =>
      recordRequest(state, { requestId, kind: 'answer', at: now(), ...outcome });
    const atMs = answeredAt(state.question, sentAt, Date.now());
    const reason = isAnswerRequest(request) ? answerRefusal(state.question, request, atMs) : 'malformed answer';
    if (reason) return record({ status: 'refused', reason });
    record({ status: 'applied', result: `recorded; disposition ${recordAnswer(request.answer, atMs)}` });
  });

  wf.setHandler(analystDecisionSignal, ({ requestId, sentAt: _sentAt, ...decision }) => {
    if (!isRequestId(requestId) || findRequest(state, requestId)) return;
    const record = (outcome: Pick<RequestOutcome, 'status' | 'reason' | 'result'>) =>
      recordRequest(state, { requestId, kind: 'decision', at: now(), ...outcome });
    const reason = isDecisionRequest(decision) ? decisionRefusalNow(decision) : 'malformed decision';
    if (reason) return record({ status: 'refused', reason });
    // The requestId travels with the decision into `state.decisions`, where requestOutcome finds it applied.
    record({ status: 'accepted', result: queueDecision({ ...decision, requestId }) });
  });

  wf.setHandler(requestOutcomeQuery, (requestId) => requestOutcome(state, requestId) ?? null);

  // ---- steps ----------------------------------------------------------------------------------------------------

  function containmentPlan(requested?: ContainmentAction[]): ContainmentRequest[] {
    const wanted: ContainmentAction[] = requested?.length
      ? requested
      : policy.containmentActions.length
        ? policy.containmentActions
        : ['disable-account', 'revoke-sessions', 'isolate-host', 'block-ip'];
    const done = new Set(
      state.containment.filter((c) => c.status === 'applied' || c.status === 'already-in-place').map((c) => c.action),
    );
    const base = { workflowId: state.workflowId, requestedAt: now() };
    return wanted
      .filter((action) => !done.has(action))
      .flatMap((action): ContainmentRequest[] => {
        switch (action) {
          case 'disable-account':
          case 'revoke-sessions':
            return user ? [{ ...base, action, user }] : [];
          case 'isolate-host':
            return alert.entities.host ? [{ ...base, action, host: alert.entities.host }] : [];
          case 'block-ip':
            return alert.entities.sourceIp ? [{ ...base, action, ip: alert.entities.sourceIp }] : [];
        }
      });
  }

  /** Runs the actions as one batch; a failed action is recorded with its reason and escalated, never retried forever. */
  async function contain(requested?: ContainmentAction[]): Promise<string> {
    const plan = containmentPlan(requested);
    if (plan.length === 0) return 'nothing to contain';
    state.triageState = 'containing';
    publish();
    let results: ContainmentResult[];
    try {
      results = await applyContainment.executeWithOptions(
        {
          summary: `Contain: ${plan.map((r) => `${actionLabels[r.action]} ${containmentTarget(r)}`).join(', ')}`.slice(
            0,
            200,
          ),
        },
        [{ requests: plan, finalAttempt: CONTAINMENT_ATTEMPTS }],
      );
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      results = plan.map((r) => ({
        action: r.action,
        status: 'failed',
        target: containmentTarget(r),
        detail: failureReason(err),
      }));
    }
    const at = now();
    state.containment.push(
      ...results.map(({ action, status, target, detail }) => ({ action, status, target, detail, at })),
    );
    const inPlace = state.containment.some((c) => c.status === 'applied' || c.status === 'already-in-place');
    if (inPlace) state.containedAt ??= at;
    state.triageState = inPlace ? 'contained' : 'awaiting-analyst';
    const failed = results.filter((r) => r.status === 'failed');
    return failed.length
      ? `containment incomplete: ${failed.map((f) => `${f.action} failed (${f.detail})`).join('; ')}`
      : `contained: ${results.map((r) => `${r.action} ${r.status}`).join(', ')}`;
  }

  function requestFor(record: ContainmentRecord): ContainmentRequest {
    const base = { workflowId: state.workflowId, action: record.action };
    if (record.action === 'disable-account' || record.action === 'revoke-sessions') return { ...base, user };
    if (record.action === 'isolate-host') return { ...base, host: alert.entities.host };
    return { ...base, ip: alert.entities.sourceIp };
  }

  /** Undoes what this case applied, newest first; what was already in place before the case is left alone. */
  async function release(): Promise<string> {
    const applied = state.containment.filter((c) => c.status === 'applied').reverse();
    if (applied.length === 0) return 'nothing to release';
    state.triageState = 'releasing';
    publish();
    let results: UndoResult[];
    try {
      results = await undoContainment.executeWithOptions(
        { summary: `Undo: ${applied.map((r) => `${actionLabels[r.action]} ${r.target}`).join(', ')}`.slice(0, 200) },
        [{ requests: applied.map(requestFor), finalAttempt: CONTAINMENT_ATTEMPTS }],
      );
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      results = applied.map((r) => ({ action: r.action, status: 'failed', detail: failureReason(err) }));
    }
    const at = now();
    results.forEach((result, i) => {
      const record = applied[i]!;
      record.at = at;
      if (result.status === 'failed') {
        record.detail = `undo failed: ${result.detail}`;
      } else {
        record.status = 'undone';
        record.detail = result.detail;
      }
    });
    return `released: ${results.map((r) => (r.status === 'failed' ? `${r.action} undo failed (${r.detail})` : `${r.action} undone`)).join(', ')}`;
  }

  async function escalateToAnalysts(reason: string): Promise<void> {
    state.escalations.push({ at: now(), reason });
    if (state.triageState !== 'contained') state.triageState = 'awaiting-analyst';
    awaitingAnalystAction = true;
    publish();
    try {
      await escalate.executeWithOptions({ summary: `Escalate to analysts: ${reason}`.slice(0, 200) }, [
        {
          workflowId: state.workflowId,
          alert,
          reason,
          disposition: state.disposition,
          summary: renderCase(state),
          containment: state.containment,
          attempt: state.escalations.length,
        },
      ]);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.error('escalation could not be delivered; the case stays open in the Web UI', {
        reason: failureReason(err),
      });
    }
  }

  function close(disposition: Disposition, reason: string, by: SettledBy): void {
    triaged(disposition, by);
    state.disposition = disposition;
    state.triageState = 'closed';
    state.closedAt = now();
    state.closeReason = reason;
    publish();
  }

  async function settleQuestion(outcome: 'answered' | 'expired' | 'withdrawn', answer?: UserAnswer): Promise<void> {
    const question = state.question!;
    question.outcome = outcome;
    try {
      await updateQuestion.executeWithOptions({ summary: `Update the user's card: ${outcome}` }, [
        { workflowId: state.workflowId, user: user!, messageRef: question.messageRef!, outcome, answer },
      ]);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.warn('could not update the question card', { reason: failureReason(err) });
    }
  }

  async function askTheUser(): Promise<void> {
    if (!user) return escalateToAnalysts('the rule asks the user, but the alert names no user');
    const deadline = new Date(Date.now() + policy.confirmationTimeoutMs).toISOString();
    state.question = {
      userId: user.objectId ?? user.userPrincipalName!,
      userPrincipalName: user.userPrincipalName,
      askedAt: now(),
      deadline,
    };
    state.triageState = 'awaiting-user';
    publish();
    try {
      const { messageRef } = await askUser.executeWithOptions(
        { summary: `Ask ${user.userPrincipalName ?? 'the user'}: was this you?` },
        [{ workflowId: state.workflowId, alert, user, deadline, facts: questionFacts() }],
      );
      state.question.messageRef = messageRef;
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      state.question.outcome = 'undeliverable';
      return escalateToAnalysts(`the question could not be delivered: ${failureReason(err)}`);
    }

    const remaining = Date.parse(deadline) - Date.now();
    if (policy.reminderBeforeDeadlineMs > 0 && policy.reminderBeforeDeadlineMs < remaining) {
      await wf.condition(
        () => state.question?.answer !== undefined || pending.length > 0,
        remaining - policy.reminderBeforeDeadlineMs,
        {
          summary: 'Wait for the user before the reminder',
        },
      );
    }
    const answered = await wf.condition(
      () => state.question?.answer !== undefined || pending.length > 0,
      Math.max(0, Date.parse(deadline) - Date.now()),
      { summary: `Wait for the user's answer until ${deadline}` },
    );
    const answer = state.question.answer?.answer;
    if (answer === 'it-was-me') {
      triaged(dispositionForAnswer(answer, policy.onUserConfirms), 'user');
      await settleQuestion('answered', answer);
      if (policy.onUserConfirms === 'close') return close('benign-positive', 'the user confirmed it was them', 'user');
      return escalateToAnalysts('the user confirmed it was them; this rule requires analyst review');
    }
    if (answer === 'it-was-not-me') {
      triaged(dispositionForAnswer(answer, policy.onUserConfirms), 'user');
      const [, outcome] = await Promise.all([
        settleQuestion('answered', answer),
        policy.containOnUserDenial ? contain() : Promise.resolve('containment waits for an analyst'),
      ]);
      return escalateToAnalysts(`the user said it was not them; ${outcome}`);
    }
    if (answered) return settleQuestion('withdrawn');
    await settleQuestion('expired');
    return escalateToAnalysts('no response');
  }

  function questionFacts(): { label: string; value: string }[] {
    const facts = [
      { label: 'When', value: alert.detectedAt },
      { label: 'What', value: alert.title },
    ];
    const signIns = state.enrichment?.signIns;
    const ip = alert.entities.sourceIp;
    if (ip) {
      const location =
        signIns?.status === 'ok' ? signIns.data.distinctIps.find((d) => d.ip === ip)?.locations[0] : undefined;
      facts.push({ label: 'From', value: location ? `${ip} (${location})` : ip });
    }
    if (alert.entities.host) facts.push({ label: 'Device', value: alert.entities.host });
    const app = signIns?.status === 'ok' ? signIns.data.recent.find((r) => r.ip === ip)?.app : undefined;
    if (app) facts.push({ label: 'Application', value: app });
    if (alert.description) facts.push({ label: 'Details', value: alert.description.slice(0, 300) });
    return facts;
  }

  async function decide(decision: AnalystDecision): Promise<void> {
    awaitingAnalystAction = false;
    if (state.question && !state.question.outcome) await settleQuestion('withdrawn');
    let result: string;
    switch (decision.decision) {
      case 'contain':
        triaged('true-positive', 'analyst');
        result = await contain(decision.actions);
        break;
      case 'release-containment':
        result = await release();
        state.triageState = 'awaiting-analyst';
        break;
      case 'close-true-positive':
        close('true-positive', decision.note ?? `closed as true positive by ${decision.analystId}`, 'analyst');
        result = 'closed as true positive';
        break;
      case 'close-benign':
      case 'close-false-positive': {
        const released = await release();
        const disposition = decision.decision === 'close-benign' ? 'benign-positive' : 'false-positive';
        close(disposition, decision.note ?? `closed as ${disposition} by ${decision.analystId}`, 'analyst');
        result = `closed as ${disposition}; ${released}`;
        break;
      }
    }
    state.decisions.push({ ...decision, at: now(), result });
    publish();
  }

  // ---- the case ---------------------------------------------------------------------------------------------------

  if (!input.carriedState) {
    wf.setCurrentDetails(renderCase(state));
    state.enrichment = await gatherContext.executeWithOptions(
      { summary: 'Gather context: profile, groups, sign-ins, devices, risk, host' },
      [
        {
          workflowId: state.workflowId,
          user,
          host: alert.entities.host,
          signInLookbackHours: 72,
          finalAttempt: ENRICHMENT_ATTEMPTS,
        },
      ],
    );

    if (pending.length === 0) {
      const shadowPlan = policy.shadowAutoContain && policy.mode !== 'auto-contain' ? containmentPlan() : [];
      if (shadowPlan.length > 0) {
        // Shadow mode (granted by the fidelity loop): record what automatic containment would do, and do not do it.
        state.wouldHaveContained = { at: now(), actions: shadowPlan.map((request) => request.action) };
        wf.log.info('shadow mode: automatic containment would have acted; it did not', {
          ruleId: alert.ruleId,
          actions: state.wouldHaveContained.actions,
        });
        publish();
      }
      switch (policy.mode) {
        case 'auto-contain': {
          triaged('true-positive', 'automation');
          const outcome = await contain();
          await escalateToAnalysts(`high-fidelity rule, contained automatically; ${outcome}`);
          break;
        }
        case 'confirm-with-user':
          await askTheUser();
          break;
        case 'analyst':
          await escalateToAnalysts('this rule is triaged by analysts');
          break;
      }
    }
  }

  while (state.triageState !== 'closed') {
    const decision = pending.shift();
    if (decision) {
      await decide(decision);
      continue;
    }
    if (wf.workflowInfo().continueAsNewSuggested) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof triageWorkflow>({ ...input, carriedState: state });
    }
    if (awaitingAnalystAction) {
      const decided = await wf.condition(() => pending.length > 0, policy.analystDecisionTimeoutMs, {
        summary: `Wait for an analyst decision (${formatDuration(policy.analystDecisionTimeoutMs)})`,
      });
      if (!decided)
        await escalateToAnalysts(`no analyst decision within ${formatDuration(policy.analystDecisionTimeoutMs)}`);
    } else {
      await wf.condition(() => pending.length > 0);
    }
  }
  await wf.condition(wf.allHandlersFinished);
  return state;
}
