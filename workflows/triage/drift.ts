import * as wf from '@temporalio/workflow';
import type { RulePolicy } from '../../common/policy';
import type { ContainmentDrift, ContainmentDriftReport } from '../../common/messages/triage';
import {
  containmentTarget,
  type CaseState,
  type ContainmentRecord,
  type ContainmentResult,
  type DriftRecord,
  type PriorState,
} from '../../common/triage';
import { applyContainment, CONTAINMENT_ATTEMPTS, readContainmentState } from './activities';
import {
  driftDescription,
  driftEscalationReason,
  driftKey,
  driftTarget,
  isDriftReport,
  reapplyRequestFor,
  recordDrift,
} from './drift-rules';
import { batchOrFailed } from './failures';
import { stepSummary, withPriorStates } from './rules';

/**
 * Cases handle the drift guard's reports from this version on. Checked when a report arrives, so a history whose
 * report reached a version without the handler replays as it ran (the report is dropped), and running cases take
 * part as soon as this version runs them.
 */
export const CONTAINMENT_DRIFT = 'containment-drift';

/** What the drift handling needs of its case. */
export interface DriftCase {
  readonly state: CaseState;
  readonly policy: RulePolicy;
  now(): string;
  publish(): void;
  escalate(reason: string): Promise<void>;
}

/** The drifts reported about one containment record, handled together. */
interface DriftGroup {
  record: ContainmentRecord;
  drifts: DriftRecord[];
}

/**
 * The case's side of the containment drift guard: the handler records each reported drift and queues what the case
 * must act on; the case's loop then re-applies or escalates as the rule says (`onContainmentDrift`).
 */
export class ContainmentDriftHandling {
  private readonly queue: DriftRecord[] = [];
  private readonly seen: Set<string>;

  constructor(private readonly triage: DriftCase) {
    this.seen = new Set((triage.state.drift ?? []).map((d) => driftKey(d.runId, d.action)));
  }

  get queued(): boolean {
    return this.queue.length > 0;
  }

  /** The signal handler: a report in `report` mode, or about what the case does not hold, is only recorded. */
  receive(report: ContainmentDriftReport): void {
    if (!wf.patched(CONTAINMENT_DRIFT)) return;
    if (!isDriftReport(report)) {
      wf.log.warn('a malformed containment drift report was ignored');
      return;
    }
    const { state } = this.triage;
    for (const drift of report.drifted) {
      const key = driftKey(report.runId, drift.action);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      const record = this.record(report.runId, drift);
      const target = driftTarget(state, drift);
      if ('ignored' in target) settle(record, 'ignored', target.ignored);
      else if (report.mode === 'report') settle(record, 'recorded', 'recorded only: the drift guard reports');
      else this.queue.push(record);
    }
    this.triage.publish();
  }

  /** Acts on the queued drifts: re-applies (or, as the rule says, only escalates) and tells the analysts once. */
  async handle(): Promise<void> {
    const groups = this.takeQueued();
    if (groups.length === 0) return this.triage.publish();
    // A policy resolved before the field existed carries none: it re-applies, the default.
    const parts =
      this.triage.policy.onContainmentDrift === 'escalate'
        ? groups.map((group) => this.escalateOnly(group))
        : await this.reapply(groups);
    this.triage.publish();
    await this.triage.escalate(driftEscalationReason(parts));
  }

  /** Drifts still queued when the case closes: recorded as such, never acted on. */
  dropQueued(reason: string): void {
    for (const record of this.queue.splice(0)) settle(record, 'ignored', reason);
  }

  private record(runId: string, drift: ContainmentDrift): DriftRecord {
    const record: DriftRecord = {
      at: this.triage.now(),
      action: drift.action,
      target: drift.target,
      runId,
      observedAt: drift.observedAt,
      status: 'queued',
      outcome: 'queued for the case',
    };
    recordDrift(this.triage.state, record);
    return record;
  }

  /** The queued drifts, by the record they are about; what the case no longer holds (released meanwhile) is ignored. */
  private takeQueued(): DriftGroup[] {
    const groups = new Map<ContainmentRecord, DriftRecord[]>();
    for (const drift of this.queue.splice(0)) {
      const target = driftTarget(this.triage.state, drift);
      if ('ignored' in target) settle(drift, 'ignored', target.ignored);
      else groups.set(target.record, [...(groups.get(target.record) ?? []), drift]);
    }
    return [...groups].map(([record, drifts]) => ({ record, drifts }));
  }

  private escalateOnly({ record, drifts }: DriftGroup): string {
    const outcome = 'not re-applied: the rule escalates';
    record.detail = `undone outside this product; ${outcome}`;
    drifts.forEach((d) => settle(d, 'escalated', outcome));
    return `${driftDescription(record)}; ${outcome}`;
  }

  /**
   * Reads the state again in a step of its own (the drift may have been put right meanwhile), then re-applies what is
   * still undone. The record stays `applied`: an undo on a false positive still releases it.
   */
  private async reapply(groups: DriftGroup[]): Promise<string[]> {
    const { state } = this.triage;
    const requestedAt = this.triage.now();
    const requests = groups.map(({ record }) => reapplyRequestFor(record, state, requestedAt));
    const priors = await batchOrFailed(
      () =>
        readContainmentState.executeWithOptions({ summary: 'Read the state before re-applying drifted containment' }, [
          { requests, finalAttempt: CONTAINMENT_ATTEMPTS },
        ]),
      (reason): PriorState[] => requests.map((r) => ({ action: r.action, failed: reason })),
    );
    const { ready, unreadable } = withPriorStates(requests, priors);
    const undone = ready.filter((request) => !request.inPlaceBefore);
    const applied = undone.length
      ? await batchOrFailed(
          () =>
            applyContainment.executeWithOptions(
              {
                summary: stepSummary(
                  'Re-apply',
                  undone.map((r) => ({ action: r.action, target: containmentTarget(r) })),
                ),
              },
              [{ requests: undone, finalAttempt: CONTAINMENT_ATTEMPTS }],
            ),
          (reason): ContainmentResult[] =>
            undone.map((r) => ({ action: r.action, status: 'failed', target: '', detail: reason })),
        )
      : [];
    const results = new Map([...applied, ...unreadable].map((result) => [result.action, result]));
    const at = this.triage.now();
    return groups.map(({ record, drifts }) => {
      const result = results.get(record.action);
      let outcome: string;
      if (!result) {
        outcome = 'in place again when re-read; nothing re-applied';
        drifts.forEach((d) => settle(d, 'escalated', outcome));
      } else if (result.status === 'failed') {
        outcome = `re-applying failed: ${result.detail}`;
        Object.assign(record, { at, detail: `undone outside this product; ${outcome}` });
        drifts.forEach((d) => settle(d, 'escalated', outcome));
      } else {
        outcome = 're-applied';
        Object.assign(record, { at, detail: `${result.detail} (re-applied after drift)` });
        drifts.forEach((d) => settle(d, 're-applied', outcome));
      }
      return `${driftDescription(record)}; ${outcome}`;
    });
  }
}

function settle(record: DriftRecord, status: DriftRecord['status'], outcome: string): void {
  record.status = status;
  record.outcome = outcome;
}
