import { isPromotion } from '../../common/fidelity';
import { timeToRespondMs, timeToTriageMs, type MetricsReport, type RuleMetrics } from './compute';
import { distributionText, localTime, percent, shortDuration } from './format';
import { ruleLabel } from './rule-names';
import { renderPostureSection, type PostureRow } from './posture-report';
import type { CaseRecord } from './records';
import { precisionRecallChart, precisionRecallCss } from './pr-chart';
import { proportionText } from './recall';
import { columnChart, escapeHtml, horizontalBarChart, type Bar } from './svg';

/** The self-contained HTML report: inline CSS and SVG only, so it opens from a file or an e-mail attachment. */

const MINUTE = 60_000;
export const durationBuckets: { label: string; upToMs: number }[] = [
  { label: '<1m', upToMs: MINUTE },
  { label: '1–5m', upToMs: 5 * MINUTE },
  { label: '5–15m', upToMs: 15 * MINUTE },
  { label: '15–30m', upToMs: 30 * MINUTE },
  { label: '30m–1h', upToMs: 60 * MINUTE },
  { label: '1–4h', upToMs: 240 * MINUTE },
  { label: '4–24h', upToMs: 1440 * MINUTE },
  { label: '≥1d', upToMs: Infinity },
];

export function durationHistogram(values: number[]): Bar[] {
  const counts = durationBuckets.map(() => 0);
  for (const v of values) counts[durationBuckets.findIndex((b) => v < b.upToMs)]! += 1;
  return durationBuckets.map((b, i) => ({ label: b.label, value: counts[i]!, display: String(counts[i]) }));
}

/** Alerts received per hour (spans up to two days), per day (up to 120 days) or per week. */
export function volumeOverTime(records: CaseRecord[]): Bar[] {
  if (records.length === 0) return [];
  const times = records.map((r) => r.receivedAt.getTime());
  const first = Math.min(...times);
  const span = Math.max(...times) - first;
  const HOUR = 3_600_000;
  const size = span <= 48 * HOUR ? HOUR : span <= 120 * 24 * HOUR ? 24 * HOUR : 7 * 24 * HOUR;
  const start = Math.floor(first / size) * size;
  const counts = new Map<number, number>();
  for (const t of times) {
    const bucket = Math.floor((t - start) / size);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  const buckets = Math.max(...counts.keys()) + 1;
  return Array.from({ length: buckets }, (_, i) => {
    const iso = new Date(start + i * size).toISOString();
    const label = size === HOUR ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : iso.slice(0, 10);
    const value = counts.get(i) ?? 0;
    return { label, value, display: String(value) };
  });
}

/** Rule id → the name people know it by (see `ruleNamer`); absent names show the id. */
type RuleNames = ReadonlyMap<string, string> | undefined;

function precisionBars(rules: RuleMetrics[], names: RuleNames): Bar[] {
  return rules.map((m) =>
    m.precision === null
      ? { label: ruleLabel(m.ruleId, names), value: 0, display: 'no TP or FP yet', empty: true }
      : {
          label: ruleLabel(m.ruleId, names),
          value: m.precision,
          display: `${percent(m.precision)} (${m.truePositives} TP / ${m.falsePositives} FP)`,
        },
  );
}

function card(title: string, value: string): string {
  return `<div class="card"><div class="card-title">${escapeHtml(title)}</div><div class="card-value">${escapeHtml(value)}</div></div>`;
}

function ruleTable(report: MetricsReport, names: RuleNames): string {
  const head = [
    'rule',
    'alerts',
    'TP',
    'FP',
    'BP',
    'precision',
    'settled by user',
    'contained automatically',
    'no response',
    'MTTT median / p90 / mean',
    'MTTR median / p90 / mean',
    'shadow (TP)',
    'Wilson bound',
    'promotion',
    'recall [95% CI]',
    'exercises detected / missed, missed detections',
  ];
  const row = (m: RuleMetrics, cls = '') =>
    `<tr${cls ? ` class="${cls}"` : ''}>${[
      cls === 'overall' ? m.ruleId : ruleLabel(m.ruleId, names),
      m.alerts,
      m.truePositives,
      m.falsePositives,
      m.benignPositives,
      percent(m.precision),
      percent(m.settledByUserShare),
      percent(m.containedAutomaticallyShare),
      m.noResponseEscalations,
      distributionText(m.mttt),
      distributionText(m.mttr),
      `${m.wouldContain} (${m.wouldContainTruePositives})`,
      m.fidelityBound.toFixed(3),
      m.promotion ?? '',
      proportionText(m.recall?.recall),
      m.recall
        ? `${m.recall.counts.detected} / ${m.recall.counts.exercisesMissed}, ${m.recall.counts.missedDetections}`
        : '–',
    ]
      .map((v) => `<td>${escapeHtml(String(v))}</td>`)
      .join('')}</tr>`;
  return `<table class="rules"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${report.rules
    .map((m) => row(m))
    .join('')}${row(report.overall, 'overall')}</tbody></table>`;
}

function promotions(report: MetricsReport, names: RuleNames): string {
  const changes = report.promotions?.recentTransitions ?? [];
  if (changes.length === 0) return '<p>No promotion or demotion yet.</p>';
  return `<ul class="transitions">${changes
    .slice(-20)
    .reverse()
    .map(
      (t) =>
        `<li>${escapeHtml(`${localTime(t.at)} — ${isPromotion(t) ? 'promoted' : 'demoted'} ${ruleLabel(t.ruleId, names)}: ${t.from} → ${t.to} (${t.reason})`)}</li>`,
    )
    .join('')}</ul>`;
}

const css = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2433;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta,.note{color:#5b6475;font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #d8dde6;border-radius:8px;padding:10px 14px;min-width:130px}
.card-title{font-size:12px;color:#5b6475}.card-value{font-size:20px;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:24px}
figure.chart{margin:0;border:1px solid #d8dde6;border-radius:8px;padding:12px}
figcaption{font-weight:600;margin-bottom:6px}
svg .bar{fill:#3867d6}svg .grid{stroke:#e3e7ee}svg text{font-size:11px;fill:#1d2433}svg .axis{fill:#5b6475}
table.rules{border-collapse:collapse;font-size:12px}table.rules th,table.rules td{border:1px solid #d8dde6;padding:4px 6px;text-align:right}
table.rules td:first-child,table.rules th:first-child{text-align:left}tr.overall{font-weight:600;background:#f4f6fa}
${precisionRecallCss}
`;

/** Rules by name where `names` knows one; times in the reader's zone (`TZ`, else the system's), the data in UTC. */
export function renderReportHtml(
  report: MetricsReport,
  records: CaseRecord[],
  names?: RuleNames,
  posture?: PostureRow[],
): string {
  const o = report.overall;
  const scope = [
    report.scope.since && `since ${localTime(report.scope.since)}`,
    report.scope.until && `until ${localTime(report.scope.until)}`,
  ]
    .filter(Boolean)
    .join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SOC triage report</title><meta name="viewport" content="width=device-width, initial-scale=1"><style>${css}</style></head>
<body>
<h1>SOC triage report</h1>
<div class="meta">Generated ${escapeHtml(localTime(report.generatedAt))}${scope ? ` · ${escapeHtml(scope)}` : ''} · from Temporal visibility</div>
<div class="cards">${[
    card('Alerts', String(o.alerts)),
    card('Dispositions', String(o.dispositions)),
    card('Precision', percent(o.precision)),
    card('MTTT (median)', shortDuration(o.mttt.medianMs)),
    card('MTTR (median)', shortDuration(o.mttr.medianMs)),
    card('Settled by the user', percent(o.settledByUserShare)),
    card('Contained automatically', percent(o.containedAutomaticallyShare)),
    card('No-response escalations', String(o.noResponseEscalations)),
  ].join('')}</div>
<h2>Charts</h2>
<div class="charts">
${horizontalBarChart('precision', 'Precision per rule: TP / (TP + FP)', precisionBars(report.rules, names), 1)}
${precisionRecallChart(report.rules)}
${columnChart('mttt', `Time to triage (MTTT) · median / p90 / mean ${distributionText(o.mttt)}`, durationHistogram(records.map(timeToTriageMs).filter((v): v is number => v !== undefined)))}
${columnChart('mttr', `Time to respond (MTTR) · median / p90 / mean ${distributionText(o.mttr)}`, durationHistogram(records.map(timeToRespondMs).filter((v): v is number => v !== undefined)))}
${columnChart('volume', 'Alerts received over time (UTC)', volumeOverTime(records))}
</div>
<h2>Per rule</h2>
${ruleTable(report, names)}
<h2>Promotions and demotions</h2>
${promotions(report, names)}
${posture ? renderPostureSection(posture) : ''}<p class="note">MTTT = SocTriagedAt − StartTime. MTTR = (SocContainedAt ?? SocClosedAt) − StartTime. Median of an even count is the mean of the two middle values; p90 is the nearest rank. The Wilson bound is the 95% lower bound of true positives over every disposition of closed cases. Recall = exercises detected / (detected + missed exercises + missed-detection records); it measures only the emulated behaviours.</p>
</body></html>
`;
}
