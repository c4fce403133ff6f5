import { isPromotion } from '../../common/fidelity';
import { RECALL_FLAG } from '../../common/recall';
import type { MetricsReport, RuleMetrics } from './compute';
import { distributionText, localTime, percent } from './format';
import { proportionText } from './recall';
import { ruleLabel } from './rule-names';

/** Exercises detected / exercises missed / missed-detection records. */
const recallCountsText = (m: RuleMetrics) =>
  m.recall ? `${m.recall.counts.detected}/${m.recall.counts.exercisesMissed}/${m.recall.counts.missedDetections}` : '–';

const columns: { title: string; value: (m: RuleMetrics, names?: ReadonlyMap<string, string>) => string }[] = [
  { title: 'rule', value: (m, names) => ruleLabel(m.ruleId, names) },
  { title: 'alerts', value: (m) => String(m.alerts) },
  { title: 'TP/FP/BP', value: (m) => `${m.truePositives}/${m.falsePositives}/${m.benignPositives}` },
  { title: 'precision', value: (m) => percent(m.precision) },
  { title: 'recall [95% CI]', value: (m) => proportionText(m.recall?.recall) },
  { title: 'det/miss/rec', value: (m) => recallCountsText(m) },
  { title: 'by user', value: (m) => percent(m.settledByUserShare) },
  { title: 'auto-contained', value: (m) => percent(m.containedAutomaticallyShare) },
  { title: 'no response', value: (m) => String(m.noResponseEscalations) },
  { title: 'MTTT med/p90/mean', value: (m) => distributionText(m.mttt) },
  { title: 'MTTR med/p90/mean', value: (m) => distributionText(m.mttr) },
  { title: 'shadow', value: (m) => String(m.wouldContain) },
  { title: 'bound', value: (m) => m.fidelityBound.toFixed(3) },
  { title: 'promotion', value: (m) => m.promotion ?? '' },
  { title: 'flag', value: (m) => (m.recall?.flagged ? 'misses' : '') },
];

/**
 * The `soc metrics` table: one row per rule (by name where `names` knows it), then the overall row, then recent
 * promotion changes; times in the reader's zone.
 */
export function renderMetricsTable(report: MetricsReport, names?: ReadonlyMap<string, string>): string {
  const rows = [...report.rules, report.overall].map((m) => columns.map((c) => c.value(m, names)));
  const header = columns.map((c) => c.title);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const { since, until } = report.scope;
  const out = [
    `Triage metrics · generated ${localTime(report.generatedAt)}${since ? ` · since ${localTime(since)}` : ''}${until ? ` · until ${localTime(until)}` : ''}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(0, -1).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    line(rows[rows.length - 1]!),
  ];
  const changes = report.promotions?.recentTransitions ?? [];
  if (changes.length) {
    out.push('', 'Recent promotion changes:');
    for (const t of changes.slice(-10)) {
      out.push(
        `  ${localTime(t.at)}  ${isPromotion(t) ? 'promoted' : 'demoted'} ${ruleLabel(t.ruleId, names)}: ${t.from} -> ${t.to} (bound ${t.bound.toFixed(3)} over ${t.dispositions})`,
      );
    }
  }
  out.push(
    '',
    'MTTT = SocTriagedAt − StartTime; MTTR = (SocContainedAt ?? SocClosedAt) − StartTime; precision = TP/(TP+FP).',
    'recall = detected / (detected + missed exercises + missed-detection records), Wilson 95% interval; it measures',
    `only the behaviours the exercises emulate. flag "misses": ≥ ${RECALL_FLAG.minMisses} misses and recall upper bound < ${RECALL_FLAG.maxUpperBound}.`,
  );
  return out.join('\n') + '\n';
}
