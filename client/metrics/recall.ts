import type { Client } from '@temporalio/client';
import { exerciseOutcomes } from '../../common/exercise';
import {
  emptyRecallCounts,
  proportion,
  recallFlagged,
  recallOf,
  type Proportion,
  type RecallCounts,
} from '../../common/recall';
import { visibilityString } from '../../common/visibility';
import {
  exercisesClause,
  missedDetectionsClause,
  toExerciseRecord,
  toMissedDetectionRecord,
  type ExerciseRecord,
  type MissedDetectionRecord,
} from '../exercise';
import { metricsFor, type MetricsReport, type RuleMetrics } from './compute';
import type { MetricsScope } from './records';

/**
 * Recall per rule beside precision, from visibility: ended detection exercises (`SocDisposition` detected / missed)
 * and missed-detection records (`SocMissedBy`), in the same scope as the cases (by StartTime).
 */

export interface RuleRecall {
  counts: RecallCounts;
  /** detected / (detected + missed), with its Wilson 95% interval. */
  recall: Proportion;
  /** TP / (TP + FP), with its Wilson 95% interval (exercise cases excluded). */
  precision: Proportion;
  /** Keeps missing: see `RECALL_FLAG`. */
  flagged: boolean;
}

export interface RecallRecords {
  exercises: ExerciseRecord[];
  missed: MissedDetectionRecord[];
}

function scoped(base: string, scope: MetricsScope, ruleField: string): string {
  const clauses = [base];
  if (scope.since) clauses.push(`StartTime >= ${visibilityString(scope.since.toISOString())}`);
  if (scope.until) clauses.push(`StartTime < ${visibilityString(scope.until.toISOString())}`);
  if (scope.rules?.length) clauses.push(`${ruleField} IN (${scope.rules.map(visibilityString).join(', ')})`);
  if (scope.taskQueue) clauses.push(`TaskQueue = ${visibilityString(scope.taskQueue)}`);
  return clauses.join(' AND ');
}

export async function listRecallRecords(client: Client, scope: MetricsScope): Promise<RecallRecords> {
  const exercises: ExerciseRecord[] = [];
  const missed: MissedDetectionRecord[] = [];
  const ended = `${exercisesClause} AND SocDisposition IN ('${exerciseOutcomes.detected}', '${exerciseOutcomes.missed}')`;
  await Promise.all([
    (async () => {
      for await (const info of client.workflow.list({ query: scoped(ended, scope, 'SocRuleId'), pageSize: 1000 }))
        exercises.push(toExerciseRecord(info));
    })(),
    (async () => {
      const query = scoped(missedDetectionsClause, scope, 'SocMissedBy');
      for await (const info of client.workflow.list({ query, pageSize: 1000 }))
        missed.push(toMissedDetectionRecord(info));
    })(),
  ]);
  return { exercises, missed };
}

export function recallCountsByRule(records: RecallRecords, rules?: readonly string[]): Map<string, RecallCounts> {
  const byRule = new Map<string, RecallCounts>();
  const of = (ruleId: string) => {
    if (!byRule.has(ruleId)) byRule.set(ruleId, emptyRecallCounts());
    return byRule.get(ruleId)!;
  };
  for (const e of records.exercises) {
    if (e.outcome === exerciseOutcomes.detected) of(e.ruleId).detected++;
    else if (e.outcome === exerciseOutcomes.missed) of(e.ruleId).exercisesMissed++;
  }
  for (const m of records.missed)
    for (const ruleId of new Set(m.rules)) if (!rules?.length || rules.includes(ruleId)) of(ruleId).missedDetections++;
  return byRule;
}

function ruleRecall(metrics: RuleMetrics, counts: RecallCounts): RuleRecall {
  return {
    counts,
    recall: recallOf(counts),
    precision: proportion(metrics.truePositives, metrics.truePositives + metrics.falsePositives),
    flagged: recallFlagged(counts),
  };
}

/** The report with each rule's recall beside its precision; rules seen only in exercises or misses get a row too. */
export function withRecall(report: MetricsReport, records: RecallRecords, rules?: readonly string[]): MetricsReport {
  const counts = recallCountsByRule(records, rules);
  const known = new Set(report.rules.map((m) => m.ruleId));
  const extra = [...counts.keys()]
    .filter((ruleId) => !known.has(ruleId))
    .map((ruleId) => ({
      ...metricsFor(ruleId, []),
      promotion: report.promotions?.promotions[ruleId]?.level ?? 'none',
    }));
  const all = [...report.rules, ...extra].sort((a, b) => a.ruleId.localeCompare(b.ruleId));
  const total = emptyRecallCounts();
  for (const c of counts.values()) {
    total.detected += c.detected;
    total.exercisesMissed += c.exercisesMissed;
    total.missedDetections += c.missedDetections;
  }
  return {
    ...report,
    rules: all.map((m) => ({ ...m, recall: ruleRecall(m, counts.get(m.ruleId) ?? emptyRecallCounts()) })),
    overall: { ...report.overall, recall: ruleRecall(report.overall, total) },
  };
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** `67% 2/3 [21–94%]`; `–` without trials. */
export function proportionText(p: Proportion | undefined): string {
  if (!p || p.value === null) return '–';
  return `${pct(p.value)} ${p.successes}/${p.trials} [${pct(p.lower)}–${pct(p.upper)}]`;
}
