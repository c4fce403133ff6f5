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
  Enrichment,
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
import { analystDecisionLabels, containmentTarget, dispositionForAnswer, enrichmentParts } from '../common/triage';
import { recordCaseMetrics } from './case-metrics';
import { caseClosedSignal } from './correlation-messages';
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
const { readContainmentState } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: CONTAINMENT_ATTEMPTS,
  },
});
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

// One message each: a crashed worker costs a retry within seconds, not minutes.
const { askUser, remindUser, updateQuestion, escalate, updateCaseCard } = wf.proxyActivities<TriageActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * Cases started from this version on: prior states read in a step of their own before containment acts, the
 * deadline counted from delivery, the reminder sent, escalation on expiry not waiting for the card, and the SOC card
 * replaced after each decision. Older recorded histories replay without it.
 */
const CRASH_SAFE_TRIAGE = 'crash-safe-triage';

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

/** Context that could not be gathered at all (every attempt lost, to errors or timeouts): each part says why. */
function unavailableContext(err: unknown): Enrichment {
  let cause: unknown = err;
  while (cause instanceof wf.ActivityFailure && cause.cause) cause = cause.cause;
  // A timed-out attempt keeps the parts it had gathered in its last heartbeat.
  const gathered =
    cause instanceof wf.TimeoutFailure && cause.lastHeartbeatDetails && typeof cause.lastHeartbeatDetails === 'object'
      ? (cause.lastHeartbeatDetails as Partial<Enrichment>)
      : {};
  const reason = `context could not be gathered: ${failureReason(err)}`;
  return Object.fromEntries(
    enrichmentParts.map((part) => [part, gathered[part] ?? { status: 'unavailable', reason }]),
  ) as unknown as Enrichment;
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}

/** One workflow per alert: enrich, route by the rule's policy, ask the user or escalate, contain, undo, close. */
export async function triageWorkflow(input: TriageInput): Promise<CaseState> {
  const { alert, policy, analysts } = input;
  const crashSafe = wf.patched(CRASH_SAFE_TRIAGE);
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
    const decisions: Record<Disposition, AnalystDecision['decision']> = {
      'true-positive': 'close-true-positive',
      'benign-positive': 'close-benign',
      'false-positive': 'close-false-positive',
      undetermined: 'close-undetermined',
    };
    const decision = Object.hasOwn(decisions, disposition) ? decisions[disposition] : undefined;
    if (!decision || state.triageState === 'closed' || pending.some((d) => d.decision.startsWith('close-'))) return;
    pending.push({
      analystId: `${alert.source}:${closedBy}`,
      decision,
      note: `closed in ${alert.source} by ${closedBy} (${disposition})`,
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
  /**
   * Reads, in a step of its own, whether each planned effect is in place before anything acts: once this step's
   * result is in history, no crash can make a record claim `already-in-place` for an effect this case applied. An
   * action whose state cannot be read is not taken (its record says why), since its undo could not be told apart.
   */
  async function withPriorStates(
    plan: ContainmentRequest[],
  ): Promise<{ ready: ContainmentRequest[]; unreadable: ContainmentResult[] }> {
    let priors: Awaited<ReturnType<typeof readContainmentState>>;
    try {
      priors = await readContainmentState.executeWithOptions({ summary: 'Read the state before containment' }, [
        { requests: plan, finalAttempt: CONTAINMENT_ATTEMPTS },
      ]);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      const reason = failureReason(err);
      priors = plan.map((r) => ({ action: r.action, failed: reason }));
    }
    const ready: ContainmentRequest[] = [];
    const unreadable: ContainmentResult[] = [];
    plan.forEach((request, i) => {
      const prior = priors[i]!;
      if ('inPlace' in prior) ready.push({ ...request, inPlaceBefore: prior.inPlace });
      else
        unreadable.push({
          action: request.action,
          status: 'failed',
          target: containmentTarget(request),
          detail: `the state before acting could not be read: ${prior.failed}`,
        });
    });
    return { ready, unreadable };
  }

  async function runContainment(requests: ContainmentRequest[]): Promise<ContainmentResult[]> {
    if (requests.length === 0) return [];
    try {
      return await applyContainment.executeWithOptions(
        {
          summary:
            `Contain: ${requests.map((r) => `${actionLabels[r.action]} ${containmentTarget(r)}`).join(', ')}`.slice(
              0,
              200,
            ),
        },
        [{ requests, finalAttempt: CONTAINMENT_ATTEMPTS }],
      );
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      return requests.map((r) => ({
        action: r.action,
        status: 'failed',
        target: containmentTarget(r),
        detail: failureReason(err),
      }));
    }
  }

  async function contain(requested?: ContainmentAction[]): Promise<string> {
    const plan = containmentPlan(requested);
    if (plan.length === 0) return 'nothing to contain';
    state.triageState = 'containing';
    publish();
    let results: ContainmentResult[];
    if (crashSafe) {
      const { ready, unreadable } = await withPriorStates(plan);
      const applied = await runContainment(ready);
      // Records in plan order.
      const byAction = new Map([...applied, ...unreadable].map((r) => [r.action, r]));
      results = plan.map((r) => byAction.get(r.action)!);
    } else {
      results = await runContainment(plan);
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
      const posted = await escalate.executeWithOptions({ summary: `Escalate to analysts: ${reason}`.slice(0, 200) }, [
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
      if (crashSafe && posted?.messageRef) state.socCardRef = posted.messageRef;
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
    let deadline = new Date(Date.now() + policy.confirmationTimeoutMs).toISOString();
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
        [
          {
            workflowId: state.workflowId,
            alert,
            user,
            deadline,
            ...(crashSafe ? { timeoutMs: policy.confirmationTimeoutMs } : {}),
            facts: questionFacts(),
          },
        ],
      );
      state.question.messageRef = messageRef;
      if (crashSafe) {
        // The user has the whole time from the moment the question reached them.
        deadline = new Date(Date.now() + policy.confirmationTimeoutMs).toISOString();
        state.question.deadline = deadline;
        publish();
      }
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      state.question.outcome = 'undeliverable';
      return escalateToAnalysts(`the question could not be delivered: ${failureReason(err)}`);
    }

    const remaining = Date.parse(deadline) - Date.now();
    // The reminder runs beside the wait: however long it takes to deliver, the deadline stays where it is.
    let reminder: Promise<void> = Promise.resolve();
    if (policy.reminderBeforeDeadlineMs > 0 && policy.reminderBeforeDeadlineMs < remaining) {
      const settled = await wf.condition(
        () => state.question?.answer !== undefined || pending.length > 0,
        remaining - policy.reminderBeforeDeadlineMs,
        {
          summary: 'Wait for the user before the reminder',
        },
      );
      if (!settled && crashSafe) reminder = remind(deadline);
    }
    const answered = await wf.condition(
      () => state.question?.answer !== undefined || pending.length > 0,
      Math.max(0, Date.parse(deadline) - Date.now()),
      { summary: `Wait for the user's answer until ${deadline}` },
    );
    await settleAnswer(answered);
    await reminder;
  }

  async function settleAnswer(answered: boolean): Promise<void> {
    const answer = state.question!.answer?.answer;
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
    if (crashSafe) {
      // Analysts hear of the silence at once; the user's card is replaced alongside.
      await Promise.all([settleQuestion('expired'), escalateToAnalysts('no response')]);
      return;
    }
    await settleQuestion('expired');
    return escalateToAnalysts('no response');
  }

  async function remind(deadline: string): Promise<void> {
    const question = state.question!;
    try {
      await remindUser.executeWithOptions({ summary: `Remind ${user?.userPrincipalName ?? 'the user'}` }, [
        { workflowId: state.workflowId, user: user!, messageRef: question.messageRef!, alert, deadline },
      ]);
      question.remindedAt = now();
      publish();
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.warn('could not send the reminder; the question stays open until its deadline', {
        reason: failureReason(err),
      });
    }
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
      case 'close-undetermined':
        close('undetermined', decision.note ?? `closed by ${decision.analystId}`, 'analyst');
        result = 'closed as undetermined; containment stays';
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
    const decided = { ...decision, at: now(), result };
    state.decisions.push(decided);
    publish();
    if (crashSafe) await showDecision(decided);
  }

  /** Replaces the SOC card with the case as it stands after the decision: disposition, state, what was undone. */
  async function showDecision(decided: AnalystDecision & { at: string; result: string }): Promise<void> {
    if (!state.socCardRef) return;
    try {
      await updateCaseCard.executeWithOptions(
        { summary: `Show the decision: ${analystDecisionLabels[decided.decision]}` },
        [
          {
            workflowId: state.workflowId,
            alert,
            reason: state.escalations.at(-1)?.reason ?? 'escalated to analysts',
            disposition: state.disposition,
            summary: renderCase(state),
            containment: state.containment,
            attempt: state.escalations.length,
            messageRef: state.socCardRef,
            closed: state.triageState === 'closed',
            decided: {
              decision: decided.decision,
              by: decided.analystName ?? decided.analystId,
              at: decided.at,
              result: decided.result,
            },
          },
        ],
      );
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.warn('could not update the SOC card; the case shows the decision in the Web UI', {
        reason: failureReason(err),
      });
    }
  }

  /** A step that fails unexpectedly is escalated with its reason and the case stays open: never a Failed case. */
  async function guarded(step: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (!crashSafe || wf.isCancellation(err) || err instanceof wf.ContinueAsNew) throw err;
      wf.log.error('a step of the case failed; escalating', { step, reason: failureReason(err) });
      await escalateToAnalysts(`${step} failed: ${failureReason(err)}; the case stays open for an analyst`);
    }
  }

  // ---- the case ---------------------------------------------------------------------------------------------------

  if (!input.carriedState) {
    wf.setCurrentDetails(renderCase(state));
    try {
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
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      // Every attempt lost (errors, timeouts, crashed workers): the case goes on without the context, and says why.
      state.enrichment = unavailableContext(err);
    }

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
      await guarded('routing the case', async () => {
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
      });
    }
  }

  while (state.triageState !== 'closed') {
    const decision = pending.shift();
    if (decision) {
      await guarded(`the decision "${decision.decision}"`, () => decide(decision));
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
  // Frees the user's correlation gate for the next alert; a gate that is gone must not fail the case.
  if (input.correlationGateId)
    await wf
      .getExternalWorkflowHandle(input.correlationGateId)
      .signal(caseClosedSignal, state.workflowId)
      .catch(() => {});
  return state;
}
