import { containmentActions } from '../../common/policy';
import type { CaseState } from '../../common/triage';
import type { DirectorySnapshot } from '../../standins/graph';
import { BLOCKED_IPS_LOCATION_ID } from '../../standins/graph';
import type { CaseLog } from './actors';
import { containsWithoutAnalyst, effectNames, entityOf, type PlannedCase } from './scenario';

/**
 * The product's promise, checked after a run from what the world (the stand-in), Temporal and the people around the
 * cases saw: every alert has exactly one workflow that ends well, each effect happened exactly once, each containment
 * record tells the truth, a false positive restores what the case changed, and what was accepted was applied.
 */

export interface CaseOutcome {
  planned: PlannedCase;
  log: CaseLog;
  /** Executions with this workflow id that visibility lists. */
  executions: number;
  /** WorkflowExecutionStatus name from `describe()`, e.g. RUNNING, COMPLETED, FAILED. */
  status?: string;
  state?: CaseState;
}

export interface Observations {
  cases: CaseOutcome[];
  /** Workflows on the run's task queue that belong to no planned alert. */
  strayWorkflows: number;
  effects: Record<string, Record<string, number>>;
  world: DirectorySnapshot;
  /** The Temporal server's outage, if it was killed: [killed, restarted] in ms since the epoch. */
  outage?: [number, number];
  checkedAt: number;
  graceMs: number;
}

export const invariantNames = [
  'alertsNotAcknowledged',
  'alertsWithoutExactlyOneWorkflow',
  'workflowsFailed',
  'workflowsTerminated',
  'workflowsTimedOut',
  'casesUnreadable',
  'openPastDeadline',
  'stuckMidStep',
  'effectsAppliedTwice',
  'effectsMissing',
  'effectsUnexpected',
  'untruthfulContainmentRecords',
  'undoNotRestored',
  'answersAcceptedNotApplied',
  'decisionsAcceptedNotApplied',
] as const;
export type InvariantName = (typeof invariantNames)[number];

export interface Lateness {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface InvariantReport {
  counts: Record<InvariantName, number>;
  /** Up to 5 examples per violated invariant: workflow id and what was seen. */
  examples: Partial<Record<InvariantName, string[]>>;
  escalationLateness: { all: Lateness; outsideOutage: Lateness; duringOutage: Lateness };
}

/** After the server comes back, workers reconnect and replay: deadlines this soon after it count as in the outage. */
export const OUTAGE_RECOVERY_MS = 15_000;

const nearestRank = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0;

export function latencyOf(values: number[]): Lateness {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: nearestRank(sorted, 50),
    p99Ms: nearestRank(sorted, 99),
    maxMs: sorted.at(-1) ?? 0,
  };
}

export function checkInvariants(observations: Observations): InvariantReport {
  const counts = Object.fromEntries(invariantNames.map((n) => [n, 0])) as Record<InvariantName, number>;
  const examples: InvariantReport['examples'] = {};
  const violate = (name: InvariantName, workflowId: string, what: string, by = 1) => {
    counts[name] += by;
    const list = (examples[name] ??= []);
    if (list.length < 5) list.push(`${workflowId}: ${what}`);
  };
  const lateness: { ms: number; inOutage: boolean }[] = [];
  const { effects, world, outage } = observations;
  const blocked = new Set(world.namedLocations[BLOCKED_IPS_LOCATION_ID] ?? []);

  for (const { planned, log, executions, status, state } of observations.cases) {
    const id = planned.workflowId;
    if (!log.delivery.outcome) {
      violate(
        'alertsNotAcknowledged',
        id,
        `not acknowledged after ${log.delivery.attempts} attempts (last: ${log.delivery.lastError ?? 'none'})`,
      );
      continue;
    }
    if (executions !== 1) violate('alertsWithoutExactlyOneWorkflow', id, `${executions} workflow executions`);
    if (status === 'FAILED') violate('workflowsFailed', id, 'Failed');
    if (status === 'TERMINATED') violate('workflowsTerminated', id, 'Terminated');
    if (status === 'TIMED_OUT') violate('workflowsTimedOut', id, 'TimedOut');
    if (!state) {
      violate('casesUnreadable', id, `no case state (status ${status ?? 'unknown'})`);
      continue;
    }

    // ---- open past deadlines, stuck ----
    const question = state.question;
    if (
      state.triageState === 'awaiting-user' &&
      question &&
      observations.checkedAt > Date.parse(question.deadline) + observations.graceMs
    ) {
      violate('openPastDeadline', id, `still awaiting the user; deadline ${question.deadline}`);
    }
    if (['enriching', 'containing', 'releasing'].includes(state.triageState))
      violate('stuckMidStep', id, `still ${state.triageState}`);

    // ---- effects: each exactly once, none unexpected ----
    const answer = state.question?.answer?.answer ?? (log.answer?.result === 'accepted' ? log.answer.value : undefined);
    const contained = containsWithoutAnalyst(planned.catalogPolicy, answer);
    const falsePositive =
      (state.triageState === 'closed' && state.disposition === 'false-positive') ||
      (log.decision?.value === 'close-false-positive' && log.decision.result === 'accepted');
    for (const action of containmentActions) {
      const names = effectNames[action];
      const perEntity = effects[entityOf(action, planned.entities)] ?? {};
      const applied = perEntity[names.apply] ?? 0;
      const undone = names.undo.reduce((sum, name) => sum + (perEntity[name] ?? 0), 0);
      const inPolicy = planned.catalogPolicy.containmentActions.includes(action);
      const priorInPlace = planned.preContained && action !== 'revoke-sessions';
      const applyExpected = contained && inPolicy && !priorInPlace;
      const undoExpected = applyExpected && falsePositive && names.undo.length > 0;
      for (const [expected, got, what] of [
        [applyExpected, applied, names.apply],
        [undoExpected, undone, names.undo.join('/')],
      ] as const) {
        if (got > 1) violate('effectsAppliedTwice', id, `${what} applied ${got} times`, got - 1);
        if (expected && got === 0) violate('effectsMissing', id, `${what} never applied`);
        if (!expected && got > 0) violate('effectsUnexpected', id, `${what} applied ${got} times, not expected`);
      }
    }

    // ---- containment records tell the truth ----
    for (const record of state.containment) {
      const applied = effects[entityOf(record.action, planned.entities)]?.[effectNames[record.action].apply] ?? 0;
      if ((record.status === 'applied' || record.status === 'undone') && applied === 0)
        violate('untruthfulContainmentRecords', id, `${record.action} recorded ${record.status}; never applied`);
      if (record.status === 'already-in-place' && applied > 0)
        violate('untruthfulContainmentRecords', id, `${record.action} recorded already-in-place; this case applied it`);
    }

    // ---- a false positive restores what the case changed ----
    if (falsePositive) {
      const problems: string[] = [];
      const { upn, host, ip } = planned.entities;
      if (world.users[upn]?.accountEnabled !== !planned.preContained)
        problems.push(`account enabled=${world.users[upn]?.accountEnabled}`);
      if (blocked.has(`${ip}/32`) !== planned.preContained) problems.push(`IP blocked=${blocked.has(`${ip}/32`)}`);
      if (world.machines[host]?.isolated !== planned.preContained)
        problems.push(`host isolated=${world.machines[host]?.isolated}`);
      if (problems.length) violate('undoNotRestored', id, `after false positive: ${problems.join(', ')}`);
    }

    // ---- accepted means applied ----
    if (log.answer?.result === 'accepted' && state.question?.answer?.answer !== log.answer.value)
      violate(
        'answersAcceptedNotApplied',
        id,
        `"${log.answer.value}" accepted; case shows ${state.question?.answer?.answer ?? 'no answer'}`,
      );
    if (log.decision?.result === 'accepted') {
      const recorded = state.decisions.some((d) => d.decision === log.decision!.value);
      const closes = log.decision.value.startsWith('close-');
      if (!recorded || (closes && state.triageState !== 'closed'))
        violate('decisionsAcceptedNotApplied', id, `${log.decision.value} accepted; case is ${state.triageState}`);
    }

    // ---- escalation after an unanswered question ----
    if (question?.outcome === 'expired') {
      const escalation = state.escalations.find((e) => e.reason === 'no response');
      if (escalation) {
        const deadline = Date.parse(question.deadline);
        lateness.push({
          ms: Math.max(0, Date.parse(escalation.at) - deadline),
          inOutage: Boolean(outage && deadline >= outage[0] && deadline <= outage[1] + OUTAGE_RECOVERY_MS),
        });
      }
    }
  }
  return {
    counts,
    examples,
    escalationLateness: {
      all: latencyOf(lateness.map((l) => l.ms)),
      outsideOutage: latencyOf(lateness.filter((l) => !l.inOutage).map((l) => l.ms)),
      duringOutage: latencyOf(lateness.filter((l) => l.inOutage).map((l) => l.ms)),
    },
  };
}
