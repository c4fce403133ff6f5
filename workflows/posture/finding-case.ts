import * as wf from '@temporalio/workflow';
import { formatDuration } from '../../common/duration';
import {
  closedFindingStates,
  type FindingCase,
  type FindingState,
  type PostureAnswer,
  type PostureFindingInput,
} from '../../common/posture';
import { findingAlert } from '../../common/posture-alerts';
import { RoutineKey, TriageStateKey } from '../../common/search-attributes';
import {
  containmentTarget,
  type ContainmentRequest,
  type ContainmentResult,
  type RequestOutcome,
} from '../../common/triage';
import {
  CONTAINMENT_ATTEMPTS,
  applyContainment,
  askUser,
  escalate,
  readContainmentState,
  undoContainment,
  updateQuestion,
} from '../triage/activities';
import { postureStillApplies, reasonOf } from './activities';
import { recordFindingClosed, recordFindingOpened } from './metrics';
import {
  actionsFor,
  answerWindowMs,
  cardAnswerOf,
  mayAnswer,
  questionFacts,
  questionWording,
  renderFinding,
  wouldDo,
} from './plan';

const MAX_RUNS_KEPT = 20;
const MAX_EVENTS_KEPT = 50;

/**
 * One finding's case: ask, wait, act, allow undo — the same loop as a triage case, for a posture finding. Every
 * step that cannot be done is recorded and escalated; the case never fails.
 */
export class FindingCaseRun {
  readonly state: FindingCase;
  private answer?: { answer: PostureAnswer; by: string };
  private undoBy?: string;
  private readonly requests = new Set<string>();
  /** Answers' outcomes by request id, for `requestOutcomeQuery` (the Teams bot's acknowledgement). */
  private readonly outcomes = new Map<string, RequestOutcome>();
  private messageRef?: string;
  private published = '';

  constructor(private readonly input: PostureFindingInput) {
    const at = this.now();
    this.state = {
      routineId: input.routine.id,
      check: input.routine.check,
      subject: input.finding.subject,
      summary: input.finding.summary,
      state: 'open',
      openedAt: at,
      lastSeenAt: at,
      seenInRuns: [input.runId],
      containment: [],
      events: [{ at, what: `opened by run ${input.runId}` }],
    };
  }

  private get workflowId(): string {
    return wf.workflowInfo().workflowId;
  }

  private now(): string {
    return new Date().toISOString();
  }

  private record(what: string): void {
    this.state.events.push({ at: this.now(), what });
    if (this.state.events.length > MAX_EVENTS_KEPT)
      this.state.events.splice(0, this.state.events.length - MAX_EVENTS_KEPT);
  }

  private setState(state: FindingState, what?: string): void {
    this.state.state = state;
    if (what) this.record(what);
    if (closedFindingStates.includes(state)) {
      recordFindingClosed(this.state.routineId, state);
      this.state.closedAt ??= this.now();
    }
    this.publish();
  }

  publish(): void {
    const fingerprint = `${this.state.routineId}/${this.state.state}`;
    if (fingerprint !== this.published) {
      wf.upsertSearchAttributes([
        { key: RoutineKey, value: this.state.routineId },
        { key: TriageStateKey, value: this.state.state },
      ]);
      this.published = fingerprint;
    }
    wf.setCurrentDetails(renderFinding(this.state));
  }

  // ---- messages ---------------------------------------------------------------------------------------------------

  seen(runId: string, at: string): void {
    this.state.lastSeenAt = at;
    if (!this.state.seenInRuns.includes(runId)) this.state.seenInRuns.push(runId);
    if (this.state.seenInRuns.length > MAX_RUNS_KEPT)
      this.state.seenInRuns.splice(0, this.state.seenInRuns.length - MAX_RUNS_KEPT);
    this.publish();
  }

  answered(by: string, answer: PostureAnswer, requestId: string): void {
    if (this.requests.has(requestId)) return;
    this.requests.add(requestId);
    const open = this.state.state === 'asking' || this.state.state === 'escalated';
    const outcome = (status: RequestOutcome['status'], reason?: string) =>
      this.outcomes.set(requestId, {
        requestId,
        kind: 'answer',
        status,
        ...(reason ? { reason } : {}),
        at: this.now(),
      });
    if (!open || this.answer || !mayAnswer(this.state, this.input.finding.askee, this.input.analysts, by)) {
      const theirs = open && !this.answer;
      this.record(`answer "${answer}" from ${by} refused (${theirs ? 'not theirs to give' : 'not waiting for one'})`);
      outcome(
        'refused',
        theirs
          ? 'only the person asked or an analyst can answer this'
          : this.answer
            ? 'this question has already been answered'
            : 'this question is no longer open',
      );
      this.publish();
      return;
    }
    this.answer = { answer, by };
    outcome('accepted');
  }

  outcomeOf(requestId: string): RequestOutcome | null {
    return this.outcomes.get(requestId) ?? null;
  }

  undoRequested(by: string, requestId: string): void {
    if (this.requests.has(requestId)) return;
    this.requests.add(requestId);
    const allowed = mayAnswer(
      { ...this.state, question: this.state.question ?? { askedOf: '', deadline: '' } },
      this.input.finding.askee,
      this.input.analysts,
      by,
    );
    if (!allowed || this.state.state !== 'fixed-automatically') {
      this.record(`undo from ${by} refused (${allowed ? 'nothing to undo' : 'not theirs to ask'})`);
      this.publish();
      return;
    }
    this.undoBy = by;
  }

  // ---- the loop ---------------------------------------------------------------------------------------------------

  async run(): Promise<FindingCase> {
    const { routine, finding } = this.input;
    if (wf.workflowInfo().continuedFromExecutionRunId === undefined) recordFindingOpened(routine.id);
    this.publish();
    if (routine.dryRun) {
      this.setState('dry-run', `dry run: ${wouldDo(routine, finding)}`);
      await this.monitor();
    } else if (routine.mode === 'report' || routine.check === 'risky-users-without-case') {
      this.setState('reported', 'reported; nothing is asked or changed');
      await this.monitor();
    } else if (routine.check === 'stale-guests') {
      await this.staleGuest();
    } else if (routine.check === 'expired-ip-blocks') {
      await this.expireBlock();
    } else {
      await this.privilegedWithoutMfa();
    }
    await wf.condition(wf.allHandlersFinished);
    return this.state;
  }

  private async staleGuest(): Promise<void> {
    const { routine } = this.input;
    if (routine.check !== 'stale-guests') return;
    for (;;) {
      let answer: PostureAnswer | undefined;
      if (routine.mode === 'ask-then-act') {
        answer = await this.ask();
        if (answer === 'keep') {
          this.setState(
            'snoozed',
            `kept by ${this.state.question?.answeredBy}; asking again in ${formatDuration(routine.parameters.snoozeForMs)}`,
          );
          await wf.sleep(routine.parameters.snoozeForMs);
          if (!(await this.applies())) return this.setState('fixed-by-people', 'no longer applies');
          this.answer = undefined;
          this.state.question = undefined;
          continue;
        }
      }
      if (!(await this.applies())) return this.setState('fixed-by-people', 'no longer applies; nothing done');
      const applied = await this.act(
        answer === 'remove'
          ? `"remove" from ${this.state.question?.answeredBy}`
          : routine.mode === 'act'
            ? 'act mode'
            : 'no answer',
      );
      if (!applied) return;
      await this.offerUndo(routine.parameters.undoWindowMs, routine.parameters.snoozeForMs);
      return;
    }
  }

  private async privilegedWithoutMfa(): Promise<void> {
    const { routine } = this.input;
    if (routine.check !== 'privileged-without-mfa') return;
    if (routine.mode === 'ask-then-act') {
      const answer = await this.ask();
      if (!(await this.applies())) return this.setState('fixed-by-people', 'an MFA method is registered');
      await this.tellSoc(
        answer
          ? `${this.state.question?.answeredBy} answered, but no MFA method is registered`
          : `no MFA method registered within ${formatDuration(routine.parameters.registerWithinMs)}`,
      );
    } else {
      if (actionsFor(routine, this.workflowId, this.input.finding, this.now()).length > 0) await this.act('act mode');
      await this.tellSoc('privileged account without MFA');
    }
    await this.monitor();
  }

  /**
   * Removes the IP this product blocked for cases now long closed, through the containment undo (single-address
   * ranges only, via the named location's one writer). Re-read first: someone may have removed it already.
   */
  private async expireBlock(): Promise<void> {
    if (!(await this.applies())) return this.setState('fixed-by-people', 'no longer blocked; nothing done');
    const requests = actionsFor(this.input.routine, this.workflowId, this.input.finding, this.now());
    let detail: string;
    try {
      const [result] = await undoContainment.executeWithOptions(
        { summary: `Remove the expired block of ${this.input.finding.subject.label}` },
        [{ requests, finalAttempt: CONTAINMENT_ATTEMPTS }],
      );
      if (!result || result.status === 'failed') {
        return this.tellSoc(`the expired block could not be removed: ${result?.detail ?? 'no result'}`);
      }
      detail = result.detail;
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      return this.tellSoc(`the expired block could not be removed: ${reasonOf(err)}`);
    }
    this.state.containment.push({
      action: 'block-ip',
      target: this.input.finding.subject.label,
      status: 'undone',
      detail,
      at: this.now(),
    });
    this.setState('fixed-automatically', `removed the expired block (${detail})`);
  }

  /** Asks the person responsible; resolves to their answer, or undefined at the deadline (or if they cannot be asked). */
  private async ask(): Promise<PostureAnswer | undefined> {
    const { routine, finding } = this.input;
    const windowMs = answerWindowMs(routine);
    const deadline = new Date(Date.now() + windowMs).toISOString();
    const askee = finding.askee;
    const wording = questionWording(routine, finding);
    this.state.question = { askedOf: askee?.label ?? 'the SOC', deadline };
    this.setState('asking', `asked ${this.state.question.askedOf} (deadline ${deadline})`);
    const alert = findingAlert(routine, finding, this.workflowId, this.state.openedAt);
    if (askee) {
      try {
        const delivered = await askUser.executeWithOptions({ summary: `Ask ${askee.label}` }, [
          {
            workflowId: this.workflowId,
            alert,
            user: askee,
            deadline,
            timeoutMs: windowMs,
            facts: questionFacts(routine, finding),
            ...(wording ? { wording } : {}),
          },
        ]);
        this.messageRef = delivered.messageRef;
        this.state.question.messageRef = delivered.messageRef;
      } catch (err) {
        if (wf.isCancellation(err)) throw err;
        await this.tellSoc(`${askee.label} could not be asked: ${reasonOf(err)}; an analyst may answer instead`);
      }
    } else {
      await this.tellSoc('nobody is responsible for this finding; an analyst may answer instead');
    }
    const answered = await wf.condition(() => this.answer !== undefined, windowMs, {
      summary: `Wait for an answer (${formatDuration(windowMs)})`,
    });
    if (answered) {
      this.state.question.answer = this.answer!.answer;
      this.state.question.answeredBy = this.answer!.by;
      this.record(`answered "${this.answer!.answer}" by ${this.answer!.by}`);
    } else {
      this.record('no answer by the deadline');
    }
    if (askee && this.messageRef) {
      await updateQuestion
        .executeWithOptions({ summary: 'Replace the question with its outcome' }, [
          {
            workflowId: this.workflowId,
            user: askee,
            messageRef: this.messageRef,
            outcome: answered ? 'answered' : 'expired',
            // "You answered …" only for the person asked: an analyst's answer is not theirs.
            ...(answered && this.answeredByAskee() ? { answer: cardAnswerOf(this.answer!.answer) } : {}),
            ...(wording ? { wording } : {}),
          },
        ])
        .catch((err: unknown) => {
          if (wf.isCancellation(err)) throw err;
          this.record(`the question could not be updated: ${reasonOf(err)}`);
        });
    }
    return answered ? this.answer!.answer : undefined;
  }

  private answeredByAskee(): boolean {
    const { askee } = this.input.finding;
    const by = this.answer?.by.toLowerCase();
    return Boolean(by && [askee?.objectId, askee?.userPrincipalName].some((id) => id?.toLowerCase() === by));
  }

  /** Applies the check's actions the containment way: read the prior state, then apply; true when in place. */
  private async act(why: string): Promise<boolean> {
    const { routine, finding } = this.input;
    const plan = actionsFor(routine, this.workflowId, finding, this.now());
    let results: ContainmentResult[];
    try {
      const priors = await readContainmentState.executeWithOptions({ summary: 'Read the state before acting' }, [
        { requests: plan, finalAttempt: CONTAINMENT_ATTEMPTS },
      ]);
      const requests: ContainmentRequest[] = plan.map((r) => {
        const prior = priors.find((p) => p.action === r.action);
        return prior && 'inPlace' in prior ? { ...r, inPlaceBefore: prior.inPlace } : r;
      });
      results = await applyContainment.executeWithOptions(
        { summary: `Act (${why}): ${plan.map((r) => `${r.action} ${containmentTarget(r)}`).join(', ')}` },
        [{ requests, finalAttempt: CONTAINMENT_ATTEMPTS }],
      );
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      results = plan.map((r) => ({
        action: r.action,
        status: 'failed',
        target: containmentTarget(r),
        detail: reasonOf(err),
      }));
    }
    const at = this.now();
    this.state.containment.push(
      ...results.map(({ action, status, target, detail }) => ({ action, status, target, detail, at })),
    );
    const failed = results.filter((r) => r.status === 'failed');
    if (failed.length > 0) {
      await this.tellSoc(`could not act (${why}): ${failed.map((f) => `${f.action}: ${f.detail}`).join('; ')}`);
      return false;
    }
    if (routine.check === 'stale-guests') this.setState('fixed-automatically', `acted (${why})`);
    else this.record(`acted (${why})`);
    return true;
  }

  /** Waits for an undo; an undone action is left undone for `quietAfterUndoMs` before the case ends. */
  private async offerUndo(windowMs: number, quietAfterUndoMs: number): Promise<void> {
    const asked = await wf.condition(() => this.undoBy !== undefined, windowMs, {
      summary: `Allow an undo (${formatDuration(windowMs)})`,
    });
    if (!asked) return;
    const applied = this.state.containment.filter((c) => c.status === 'applied');
    const requests = actionsFor(this.input.routine, this.workflowId, this.input.finding, this.now()).filter((r) =>
      applied.some((a) => a.action === r.action),
    );
    try {
      const results = await undoContainment.executeWithOptions({ summary: `Undo for ${this.undoBy}` }, [
        { requests, finalAttempt: CONTAINMENT_ATTEMPTS },
      ]);
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        await this.tellSoc(`undo for ${this.undoBy} failed: ${failed.map((f) => f.detail).join('; ')}`);
        return;
      }
      for (const record of applied) record.status = 'undone';
      this.setState('undone', `undone for ${this.undoBy}; not asked again for ${formatDuration(quietAfterUndoMs)}`);
      await wf.sleep(quietAfterUndoMs);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      await this.tellSoc(`undo for ${this.undoBy} failed: ${reasonOf(err)}`);
    }
  }

  /** Re-checks on the routine's rhythm until the finding no longer applies. */
  private async monitor(): Promise<void> {
    for (;;) {
      await wf.sleep(this.input.routine.recheckEveryMs);
      if (!(await this.applies())) {
        if (this.state.state !== 'dry-run') return this.setState('fixed-by-people', 'no longer applies');
        this.record('no longer applies');
        return;
      }
      if (wf.workflowInfo().continueAsNewSuggested) this.record('history is long; the finding stays open');
    }
  }

  /** Whether the finding still holds; an unreadable directory counts as "still applies" (nothing is closed blind). */
  private async applies(): Promise<boolean> {
    try {
      return await postureStillApplies.executeWithOptions({ summary: 'Does the finding still apply?' }, [
        this.input.routine,
        this.input.finding.subject.id,
      ]);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      this.record(`could not re-check: ${reasonOf(err)}`);
      return true;
    }
  }

  private async tellSoc(reason: string): Promise<void> {
    const { routine, finding } = this.input;
    this.setState(
      this.state.state === 'fixed-automatically' ? this.state.state : 'escalated',
      `told the SOC: ${reason}`,
    );
    try {
      await escalate.executeWithOptions({ summary: 'Tell the SOC' }, [
        {
          workflowId: this.workflowId,
          alert: findingAlert(routine, finding, this.workflowId, this.state.openedAt),
          reason,
          disposition: 'undetermined',
          summary: renderFinding(this.state),
          containment: this.state.containment,
          attempt: 1,
        },
      ]);
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      this.record(`the SOC could not be told: ${reasonOf(err)}`);
    }
  }
}
