import * as wf from '@temporalio/workflow';
import { renderCase } from '../../common/case-details';
import { caseClosedSignal } from '../../common/messages/correlation';
import type { ExerciseMatch } from '../../common/exercise';
import type { ContainmentAction, RulePolicy } from '../../common/policy';
import {
  analystDecisionLabels,
  containmentTarget,
  dispositionForAnswer,
  type AnalystDecision,
  type CaseState,
  type ContainmentResult,
  type Disposition,
  type SettledBy,
  type TriageInput,
  type UndoResult,
  type UserAnswer,
  type UserRef,
} from '../../common/triage';
import {
  applyContainment,
  askUser,
  CONTAINMENT_ATTEMPTS,
  ENRICHMENT_ATTEMPTS,
  escalate,
  fromTheWorker,
  gatherContext,
  readContainmentState,
  remindUser,
  undoContainment,
  updateCaseCard,
  updateQuestion,
} from './activities';
import { recordCaseMetrics } from './case-metrics';
import { ContainmentDriftHandling } from './drift';
import {
  asksTheUser,
  EXERCISE_NOT_CONTAINED,
  exerciseCloseReason,
  exerciseOf,
  exerciseSilenceReason,
} from './exercise';
import { batchOrFailed, failureReason, unavailableContext } from './failures';
import {
  containmentOutcome,
  containmentPlan,
  formatDuration,
  newCaseState,
  questionFacts,
  releaseOutcome,
  searchAttributesOf,
  stepSummary,
  undoRequestFor,
  userOf,
  withPriorStates,
} from './rules';
import { WriteBackStep } from './write-back';

/**
 * Cases started from this version on: prior states read in a step of their own before containment acts, the
 * deadline counted from delivery, the reminder sent, escalation on expiry not waiting for the card, and the SOC card
 * replaced after each decision. Older recorded histories replay without it.
 */
const CRASH_SAFE_TRIAGE = 'crash-safe-triage';
/** A "yes" counts only with a verified step-up where the rule asks for it (cases asked before keep their rules). */
const STEP_UP_ANSWER = 'step-up-answer';
/**
 * An answer counts from the moment the card can be seen, not from the moment the workflow learns it was posted: the
 * user may click before the posting activity's result is recorded (a worker lost in between, or a fast click).
 */
const ANSWER_DURING_DELIVERY = 'answer-during-delivery';
/** The escalation and the user's card update are posted in the workflow task that needs them (`fromTheWorker`). */
const NOTICES_IN_TASK = 'notices-in-task';
/** Where this case posts the escalation and the user's card update: in its workflow task, or (older cases) not. */
const notices = () => (wf.patched(NOTICES_IN_TASK) ? fromTheWorker : { escalate, updateQuestion });

type DecisionRecord = AnalystDecision & { at: string; result: string };

/** One alert's case: its state, and the steps that move it on. The workflow wires it to its handlers and its loop. */
export class TriageCase {
  readonly state: CaseState;
  readonly policy: RulePolicy;
  readonly analysts: string[];
  /** Decisions accepted and not yet taken, oldest first. */
  readonly pending: AnalystDecision[] = [];
  private readonly user: UserRef | undefined;
  private readonly crashSafe = wf.patched(CRASH_SAFE_TRIAGE);
  readonly answersDuringDelivery = wf.patched(ANSWER_DURING_DELIVERY);
  /** True from an escalation until an analyst acts: while it holds, silence escalates again. */
  private awaitingAnalystAction: boolean;
  private published = '';
  private readonly writeBack: WriteBackStep;
  /** Reports of the containment drift guard, handled in the case's loop. */
  readonly drift: ContainmentDriftHandling;

  constructor(private readonly input: TriageInput) {
    this.policy = input.policy;
    this.analysts = input.analysts;
    this.state = input.carriedState ?? newCaseState(input, wf.workflowInfo().workflowId);
    this.user = userOf(input.alert);
    this.awaitingAnalystAction = this.state.triageState === 'awaiting-analyst';
    this.writeBack = new WriteBackStep(this.state, () => this.publish());
    this.drift = new ContainmentDriftHandling({
      state: this.state,
      policy: this.policy,
      now: () => this.now(),
      publish: () => this.publish(),
      escalate: (reason) => this.escalate(reason),
    });
  }

  private get alert() {
    return this.input.alert;
  }

  now(): string {
    return new Date().toISOString();
  }

  // ---- the case, start to end -----------------------------------------------------------------------------------

  async run(): Promise<CaseState> {
    if (!this.input.carriedState) await this.open();
    while (this.state.triageState !== 'closed') {
      const decision = this.pending.shift();
      if (decision) {
        await this.guarded(`the decision "${decision.decision}"`, () => this.decide(decision));
        continue;
      }
      if (this.drift.queued) {
        await this.guarded('handling containment drift', () => this.drift.handle());
        continue;
      }
      if (wf.workflowInfo().continueAsNewSuggested) {
        await wf.condition(wf.allHandlersFinished);
        await this.writeBack.settled();
        await wf.continueAsNew<(input: TriageInput) => Promise<CaseState>>({ ...this.input, carriedState: this.state });
      }
      await this.waitForAnalysts();
    }
    this.drift.dropQueued('the case closed before the drift could be handled');
    await wf.condition(wf.allHandlersFinished);
    await this.writeBack.settled();
    await this.freeCorrelationGate();
    return this.state;
  }

  /** Context first, then the rule's route (unless an analyst decided meanwhile). */
  private async open(): Promise<void> {
    wf.setCurrentDetails(renderCase(this.state));
    const exercise = await exerciseOf(this.state);
    if (exercise)
      return asksTheUser(exercise, this.user) ? this.askAsExercise(exercise) : this.closeAsExercise(exercise);
    await this.gatherContext();
    if (this.pending.length > 0) return;
    this.recordShadowContainment();
    await this.guarded('routing the case', async () => {
      switch (this.policy.mode) {
        case 'auto-contain': {
          this.triaged('true-positive', 'automation');
          const outcome = await this.contain();
          await this.escalate(`high-fidelity rule, contained automatically; ${outcome}`);
          break;
        }
        case 'confirm-with-user':
          await this.askTheUser();
          break;
        case 'analyst':
          await this.escalate('this rule is triaged by analysts');
          break;
      }
    });
  }

  /** A detection exercise's alert: closed as the exercise's, never contained, nobody asked. */
  private closeAsExercise(exercise: ExerciseMatch): void {
    this.state.exercise = exercise;
    this.close('true-positive', exerciseCloseReason(exercise), 'automation');
  }

  /** An exercise that tests the user question too: asked as a real alert; never contained; closed as the exercise's. */
  private async askAsExercise(exercise: ExerciseMatch): Promise<void> {
    this.state.exercise = exercise;
    this.publish();
    await this.gatherContext();
    if (this.pending.length > 0) return;
    await this.guarded('asking the user (detection exercise)', () => this.askTheUser());
    // An analyst who decided meanwhile settles the case; otherwise it closes once the question is settled.
    if (this.state.triageState === 'closed' || this.pending.length > 0) return;
    const by = this.state.question?.answer ? 'user' : 'automation';
    this.close('true-positive', exerciseCloseReason(exercise, this.state.question), by);
  }

  private async waitForAnalysts(): Promise<void> {
    const { analystDecisionTimeoutMs } = this.policy;
    const woken = () => this.pending.length > 0 || this.drift.queued;
    if (!this.awaitingAnalystAction) {
      await wf.condition(woken);
      return;
    }
    const woke = await wf.condition(woken, analystDecisionTimeoutMs, {
      summary: `Wait for an analyst decision (${formatDuration(analystDecisionTimeoutMs)})`,
    });
    if (!woke) await this.escalate(`no analyst decision within ${formatDuration(analystDecisionTimeoutMs)}`);
  }

  /** Frees the user's correlation gate for the next alert; a gate that is gone must not fail the case. */
  private async freeCorrelationGate(): Promise<void> {
    if (!this.input.correlationGateId) return;
    await wf
      .getExternalWorkflowHandle(this.input.correlationGateId)
      .signal(caseClosedSignal, this.state.workflowId)
      .catch(() => {});
  }

  /** A step that fails unexpectedly is escalated with its reason and the case stays open: never a Failed case. */
  private async guarded(step: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (!this.crashSafe || wf.isCancellation(err) || err instanceof wf.ContinueAsNew) throw err;
      wf.log.error('a step of the case failed; escalating', { step, reason: failureReason(err) });
      await this.escalate(`${step} failed: ${failureReason(err)}; the case stays open for an analyst`);
    }
  }

  // ---- publishing ---------------------------------------------------------------------------------------------

  /** Shows the case in the Web UI: search attributes (only when they changed) and details; and its metrics. */
  publish(): void {
    const attributes = searchAttributesOf(this.state);
    const fingerprint = JSON.stringify(attributes.map((a) => [a.key.name, a.value]));
    if (fingerprint !== this.published) {
      wf.upsertSearchAttributes(attributes);
      this.published = fingerprint;
    }
    wf.setCurrentDetails(renderCase(this.state));
    recordCaseMetrics(this.state);
  }

  private triaged(disposition: Disposition, by: SettledBy): void {
    this.state.disposition = disposition;
    if (!this.state.triagedAt) this.writeBack.queue('triaged', `triaged as ${disposition} (by ${by})`);
    this.state.triagedAt ??= this.now();
    this.state.settledBy ??= by;
  }

  private close(disposition: Disposition, reason: string, by: SettledBy, fromSource?: boolean): void {
    // The source closed it: nothing of this close goes back there, not even the triage it implies.
    if (fromSource) this.writeBack.queue('triaged', reason, { fromSource });
    this.triaged(disposition, by);
    Object.assign(this.state, { disposition, triageState: 'closed', closedAt: this.now(), closeReason: reason });
    this.writeBack.queue('closed', reason, { fromSource });
    this.publish();
  }

  // ---- context --------------------------------------------------------------------------------------------------

  private async gatherContext(): Promise<void> {
    try {
      this.state.enrichment = await gatherContext.executeWithOptions(
        { summary: 'Gather context: profile, groups, sign-ins, devices, risk, host' },
        [
          {
            workflowId: this.state.workflowId,
            user: this.user,
            host: this.alert.entities.host,
            signInLookbackHours: 72,
            finalAttempt: ENRICHMENT_ATTEMPTS,
          },
        ],
      );
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      // Every attempt lost (errors, timeouts, crashed workers): the case goes on without the context, and says why.
      this.state.enrichment = unavailableContext(err);
    }
  }

  /** Shadow mode (granted by the fidelity loop): record what automatic containment would do, and do not do it. */
  private recordShadowContainment(): void {
    if (!this.policy.shadowAutoContain || this.policy.mode === 'auto-contain') return;
    const plan = this.plan();
    if (plan.length === 0) return;
    this.state.wouldHaveContained = { at: this.now(), actions: plan.map((request) => request.action) };
    wf.log.info('shadow mode: automatic containment would have acted; it did not', {
      ruleId: this.alert.ruleId,
      actions: this.state.wouldHaveContained.actions,
    });
    this.publish();
  }

  // ---- containment --------------------------------------------------------------------------------------------

  plan(requested?: ContainmentAction[]) {
    return containmentPlan({ policy: this.policy, state: this.state, requestedAt: this.now() }, requested);
  }

  /**
   * Reads, in a step of its own, whether each planned effect is in place before anything acts (once that result is
   * in history, no crash can make a record claim `already-in-place` for an effect this case applied), then acts. An
   * action whose state cannot be read is not taken: its record says why. A failed action is escalated, never retried
   * forever.
   */
  private async contain(requested?: ContainmentAction[]): Promise<string> {
    const plan = this.plan(requested);
    if (plan.length === 0) return 'nothing to contain';
    this.state.triageState = 'containing';
    this.publish();
    let results: ContainmentResult[];
    if (this.crashSafe) {
      const priors = await batchOrFailed(
        () =>
          readContainmentState.executeWithOptions({ summary: 'Read the state before containment' }, [
            { requests: plan, finalAttempt: CONTAINMENT_ATTEMPTS },
          ]),
        (reason) => plan.map((r) => ({ action: r.action, failed: reason })),
      );
      const { ready, unreadable } = withPriorStates(plan, priors);
      const applied = ready.length ? await this.apply(ready) : [];
      const byAction = new Map([...applied, ...unreadable].map((r) => [r.action, r]));
      results = plan.map((r) => byAction.get(r.action)!);
    } else {
      results = await this.apply(plan);
    }
    const at = this.now();
    this.state.containment.push(
      ...results.map(({ action, status, target, detail }) => ({ action, status, target, detail, at })),
    );
    const inPlace = this.state.containment.some((c) => c.status === 'applied' || c.status === 'already-in-place');
    if (inPlace) this.state.containedAt ??= at;
    this.state.triageState = inPlace ? 'contained' : 'awaiting-analyst';
    const outcome = containmentOutcome(results);
    if (inPlace) this.writeBack.queue('contained', outcome);
    return outcome;
  }

  private apply(requests: ReturnType<TriageCase['plan']>): Promise<ContainmentResult[]> {
    return batchOrFailed(
      () =>
        applyContainment.executeWithOptions(
          {
            summary: stepSummary(
              'Contain',
              requests.map((r) => ({ action: r.action, target: containmentTarget(r) })),
            ),
          },
          [{ requests, finalAttempt: CONTAINMENT_ATTEMPTS }],
        ),
      (reason) =>
        requests.map((r) => ({ action: r.action, status: 'failed', target: containmentTarget(r), detail: reason })),
    );
  }

  /** Undoes what this case applied, newest first; what was already in place before the case is left alone. */
  private async release(): Promise<string> {
    const applied = this.state.containment.filter((c) => c.status === 'applied').reverse();
    if (applied.length === 0) return 'nothing to release';
    this.state.triageState = 'releasing';
    this.publish();
    const results: UndoResult[] = await batchOrFailed(
      () =>
        undoContainment.executeWithOptions({ summary: stepSummary('Undo', applied) }, [
          { requests: applied.map((r) => undoRequestFor(r, this.state)), finalAttempt: CONTAINMENT_ATTEMPTS },
        ]),
      (reason) => applied.map((r) => ({ action: r.action, status: 'failed', detail: reason })),
    );
    const at = this.now();
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
    return releaseOutcome(results);
  }

  // ---- messaging ----------------------------------------------------------------------------------------------

  private async escalate(reason: string): Promise<void> {
    const { state } = this;
    state.escalations.push({ at: this.now(), reason });
    if (state.triageState !== 'contained') state.triageState = 'awaiting-analyst';
    this.awaitingAnalystAction = true;
    this.writeBack.queue('escalated', reason);
    this.publish();
    try {
      const posted = await notices().escalate.executeWithOptions(
        { summary: `Escalate to analysts: ${reason}`.slice(0, 200) },
        [
          {
            workflowId: state.workflowId,
            alert: this.alert,
            reason,
            disposition: state.disposition,
            summary: renderCase(state),
            containment: state.containment,
            attempt: state.escalations.length,
          },
        ],
      );
      if (this.crashSafe && posted?.messageRef) state.socCardRef = posted.messageRef;
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.error('escalation could not be delivered; the case stays open in the Web UI', {
        reason: failureReason(err),
      });
    }
  }

  private async settleQuestion(outcome: 'answered' | 'expired' | 'withdrawn', answer?: UserAnswer): Promise<void> {
    const question = this.state.question!;
    question.outcome = outcome;
    if (!question.messageRef) return;
    try {
      await notices().updateQuestion.executeWithOptions({ summary: `Update the user's card: ${outcome}` }, [
        { workflowId: this.state.workflowId, user: this.user!, messageRef: question.messageRef!, outcome, answer },
      ]);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.warn('could not update the question card', { reason: failureReason(err) });
    }
  }

  private answeredOrDecided = () => this.state.question?.answer !== undefined || this.pending.length > 0;

  private async askTheUser(): Promise<void> {
    const { user, state, policy } = this;
    if (!user) return this.escalate('the rule asks the user, but the alert names no user');
    let deadline = new Date(Date.now() + policy.confirmationTimeoutMs).toISOString();
    const stepUp = policy.stepUp !== false && wf.patched(STEP_UP_ANSWER);
    state.question = {
      userId: user.objectId ?? user.userPrincipalName!,
      userPrincipalName: user.userPrincipalName,
      askedAt: this.now(),
      deadline,
      ...(stepUp ? { stepUpRequired: true } : {}),
    };
    state.triageState = 'awaiting-user';
    this.publish();
    try {
      const { messageRef } = await askUser.executeWithOptions(
        { summary: `Ask ${user.userPrincipalName ?? 'the user'}: was this you?` },
        [
          {
            workflowId: state.workflowId,
            alert: this.alert,
            user,
            deadline,
            ...(this.crashSafe ? { timeoutMs: policy.confirmationTimeoutMs } : {}),
            facts: questionFacts(this.alert, state.enrichment),
            ...(stepUp ? { stepUp: true } : {}),
          },
        ],
      );
      state.question.messageRef = messageRef;
      if (this.crashSafe) {
        // The user has the whole time from the moment the question reached them.
        deadline = new Date(Date.now() + policy.confirmationTimeoutMs).toISOString();
        state.question.deadline = deadline;
        this.publish();
      }
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      // The user answered the card, so it reached them, whatever the posting reported afterwards.
      if (!(this.answersDuringDelivery && state.question.answer)) {
        state.question.outcome = 'undeliverable';
        return this.escalate(`the question could not be delivered: ${failureReason(err)}`);
      }
      wf.log.warn('the card was answered, though its posting did not report back', { reason: failureReason(err) });
    }

    const remaining = Date.parse(deadline) - Date.now();
    // The reminder runs beside the wait: however long it takes to deliver, the deadline stays where it is.
    let reminder: Promise<void> = Promise.resolve();
    if (policy.reminderBeforeDeadlineMs > 0 && policy.reminderBeforeDeadlineMs < remaining) {
      const settled = await wf.condition(this.answeredOrDecided, remaining - policy.reminderBeforeDeadlineMs, {
        summary: 'Wait for the user before the reminder',
      });
      if (!settled && this.crashSafe) reminder = this.remind(deadline);
    }
    const answered = await wf.condition(this.answeredOrDecided, Math.max(0, Date.parse(deadline) - Date.now()), {
      summary: `Wait for the user's answer until ${deadline}`,
    });
    await this.settleAnswer(answered);
    await reminder;
  }

  private async settleAnswer(answered: boolean): Promise<void> {
    if (this.state.exercise) return this.settleExerciseAnswer(answered, this.state.exercise);
    const { policy } = this;
    const answer = this.state.question!.answer?.answer;
    if (answer === 'it-was-me') {
      this.triaged(dispositionForAnswer(answer, policy.onUserConfirms), 'user');
      await this.settleQuestion('answered', answer);
      if (policy.onUserConfirms === 'close')
        return this.close('benign-positive', 'the user confirmed it was them', 'user');
      return this.escalate('the user confirmed it was them; this rule requires analyst review');
    }
    if (answer === 'it-was-not-me') {
      this.triaged(dispositionForAnswer(answer, policy.onUserConfirms), 'user');
      const [, outcome] = await Promise.all([
        this.settleQuestion('answered', answer),
        policy.containOnUserDenial ? this.contain() : Promise.resolve('containment waits for an analyst'),
      ]);
      return this.escalate(`the user said it was not them; ${outcome}`);
    }
    if (answered) return this.settleQuestion('withdrawn');
    if (this.crashSafe) {
      // Analysts hear of the silence at once; the user's card is replaced alongside.
      await Promise.all([this.settleQuestion('expired'), this.escalate('no response')]);
      return;
    }
    await this.settleQuestion('expired');
    return this.escalate('no response');
  }

  /** The answer, or silence (told to the analysts as an exercise's), is recorded; nothing is contained. */
  private async settleExerciseAnswer(answered: boolean, exercise: ExerciseMatch): Promise<void> {
    const answer = this.state.question!.answer?.answer;
    if (answer) return this.settleQuestion('answered', answer);
    if (answered) return this.settleQuestion('withdrawn');
    await Promise.all([this.settleQuestion('expired'), this.escalate(exerciseSilenceReason(exercise))]);
  }

  private async remind(deadline: string): Promise<void> {
    const question = this.state.question!;
    try {
      await remindUser.executeWithOptions({ summary: `Remind ${this.user?.userPrincipalName ?? 'the user'}` }, [
        {
          workflowId: this.state.workflowId,
          user: this.user!,
          messageRef: question.messageRef!,
          alert: this.alert,
          deadline,
        },
      ]);
      question.remindedAt = this.now();
      this.publish();
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.warn('could not send the reminder; the question stays open until its deadline', {
        reason: failureReason(err),
      });
    }
  }

  // ---- decisions ------------------------------------------------------------------------------------------------

  private async decide(decision: AnalystDecision): Promise<void> {
    this.awaitingAnalystAction = false;
    const { state } = this;
    if (state.question && !state.question.outcome) await this.settleQuestion('withdrawn');
    let result: string;
    switch (decision.decision) {
      case 'contain':
        if (state.exercise) {
          result = EXERCISE_NOT_CONTAINED;
          break;
        }
        this.triaged('true-positive', 'analyst');
        result = await this.contain(decision.actions);
        break;
      case 'release-containment':
        result = await this.release();
        state.triageState = 'awaiting-analyst';
        break;
      case 'close-true-positive':
        this.close(
          'true-positive',
          decision.note ?? `closed as true positive by ${decision.analystId}`,
          'analyst',
          decision.fromSource,
        );
        result = 'closed as true positive';
        break;
      case 'close-undetermined':
        this.close('undetermined', decision.note ?? `closed by ${decision.analystId}`, 'analyst', decision.fromSource);
        result = 'closed as undetermined; containment stays';
        break;
      case 'close-benign':
      case 'close-false-positive': {
        const released = await this.release();
        const disposition = decision.decision === 'close-benign' ? 'benign-positive' : 'false-positive';
        this.close(
          disposition,
          decision.note ?? `closed as ${disposition} by ${decision.analystId}`,
          'analyst',
          decision.fromSource,
        );
        result = `closed as ${disposition}; ${released}`;
        break;
      }
    }
    // The record keeps the decision's requestId: that is how the outcome query finds it applied.
    const decided: DecisionRecord = { ...decision, at: this.now(), result };
    state.decisions.push(decided);
    this.publish();
    if (this.crashSafe) await this.showDecision(decided);
  }

  /** Replaces the SOC card with the case as it stands after the decision: disposition, state, what was undone. */
  private async showDecision(decided: DecisionRecord): Promise<void> {
    const { state } = this;
    if (!state.socCardRef) return;
    try {
      await updateCaseCard.executeWithOptions(
        { summary: `Show the decision: ${analystDecisionLabels[decided.decision]}` },
        [
          {
            workflowId: state.workflowId,
            alert: this.alert,
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
}
