import { wilsonLowerBound, type PromotionLedgerView, type PromotionLevel } from '../../common/fidelity';
import { EXERCISE_ROUTE } from '../../common/exercise';
import type { CaseRecord } from './records';
import type { RuleRecall } from './recall';

/**
 * The triage metrics, computed from visibility records only.
 *   MTTT = SocTriagedAt − StartTime (cases with a disposition or a settling answer)
 *   MTTR = (SocContainedAt ?? SocClosedAt) − StartTime (cases contained or closed)
 * Median: the middle value (mean of the two middle values for an even count). p90: nearest rank, the smallest value
 * with at least 90% of values at or below it.
 */

export interface Distribution {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
  meanMs: number | null;
}

export interface RuleMetrics {
  ruleId: string;
  alerts: number;
  open: number;
  truePositives: number;
  falsePositives: number;
  benignPositives: number;
  /** Alerts with a disposition other than undetermined. */
  dispositions: number;
  /** TP / (TP + FP); null without either. */
  precision: number | null;
  settledByUser: number;
  settledByUserShare: number | null;
  /** Contained by the automatic route (settled by automation, containment in place). */
  containedAutomatically: number;
  containedAutomaticallyShare: number | null;
  /** Cases whose "was this you?" question expired (escalated for no response). */
  noResponseEscalations: number;
  /** Shadow mode: alerts automatic containment would have acted on, and how many of them turned out true positives. */
  wouldContain: number;
  wouldContainTruePositives: number;
  /** Wilson 95% lower bound of TP over every disposition of closed cases: what the fidelity loop compares. */
  fidelityBound: number;
  mttt: Distribution;
  mttr: Distribution;
  promotion?: PromotionLevel;
  /** Recall from exercises and missed detections, beside precision with both intervals (see `recall.ts`). */
  recall?: RuleRecall;
}

export interface MetricsReport {
  generatedAt: string;
  scope: { since?: string; until?: string; rules?: string[]; taskQueue?: string };
  overall: RuleMetrics;
  rules: RuleMetrics[];
  promotions?: PromotionLedgerView;
}

export function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function nearestRank(sorted: number[], percentile: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)]!;
}

export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    medianMs: median(sorted),
    p90Ms: nearestRank(sorted, 90),
    meanMs: sorted.length ? sorted.reduce((sum, v) => sum + v, 0) / sorted.length : null,
  };
}

export const timeToTriageMs = (r: CaseRecord) =>
  r.triagedAt ? r.triagedAt.getTime() - r.receivedAt.getTime() : undefined;
export const timeToRespondMs = (r: CaseRecord) => {
  const responded = r.containedAt ?? r.closedAt;
  return responded ? responded.getTime() - r.receivedAt.getTime() : undefined;
};

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const defined = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);

export function metricsFor(ruleId: string, records: CaseRecord[]): RuleMetrics {
  const count = (predicate: (r: CaseRecord) => boolean) => records.filter(predicate).length;
  const truePositives = count((r) => r.disposition === 'true-positive');
  const falsePositives = count((r) => r.disposition === 'false-positive');
  const benignPositives = count((r) => r.disposition === 'benign-positive');
  const settledByUser = count((r) => r.settledBy === 'user');
  const containedAutomatically = count((r) => r.settledBy === 'automation' && r.containedAt !== undefined);
  const closed = records.filter((r) => r.triageState === 'closed');
  const closedTruePositives = closed.filter((r) => r.disposition === 'true-positive').length;
  const closedDispositions = closed.filter((r) =>
    ['true-positive', 'false-positive', 'benign-positive'].includes(r.disposition ?? ''),
  ).length;
  return {
    ruleId,
    alerts: records.length,
    open: count((r) => r.running),
    truePositives,
    falsePositives,
    benignPositives,
    dispositions: truePositives + falsePositives + benignPositives,
    precision: share(truePositives, truePositives + falsePositives),
    settledByUser,
    settledByUserShare: share(settledByUser, records.length),
    containedAutomatically,
    containedAutomaticallyShare: share(containedAutomatically, records.length),
    noResponseEscalations: count((r) => r.questionOutcome === 'expired'),
    wouldContain: count((r) => r.wouldContain),
    wouldContainTruePositives: count((r) => r.wouldContain && r.disposition === 'true-positive'),
    fidelityBound: wilsonLowerBound(closedTruePositives, closedDispositions),
    mttt: distribution(defined(records.map(timeToTriageMs))),
    mttr: distribution(defined(records.map(timeToRespondMs))),
  };
}

export function computeMetrics(
  allRecords: CaseRecord[],
  options: { scope?: MetricsReport['scope']; promotions?: PromotionLedgerView; now?: Date } = {},
): MetricsReport {
  // An exercise's alert was emulated: it says nothing of the rule's precision (it counts towards recall instead).
  const real = allRecords.filter((r) => r.route !== EXERCISE_ROUTE);
  const byRule = new Map<string, CaseRecord[]>();
  for (const record of real) byRule.set(record.ruleId, [...(byRule.get(record.ruleId) ?? []), record]);
  const rules = [...byRule.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ruleId, list]) => ({
      ...metricsFor(ruleId, list),
      promotion: options.promotions?.promotions[ruleId]?.level ?? 'none',
    }));
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    scope: options.scope ?? {},
    overall: metricsFor('(all rules)', real),
    rules,
    promotions: options.promotions,
  };
}
