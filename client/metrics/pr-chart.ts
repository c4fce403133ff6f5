import { RECALL_FLAG } from '../../common/recall';
import type { RuleMetrics } from './compute';
import { proportionText } from './recall';
import { escapeHtml } from './svg';

/**
 * The precision–recall chart of the HTML report: one point per rule (recall across, precision up) with both Wilson 95%
 * intervals as error bars. Rules without both numbers are named under the chart instead.
 */

const size = { width: 560, height: 420, left: 56, right: 20, top: 16, bottom: 48 } as const;
const plotW = size.width - size.left - size.right;
const plotH = size.height - size.top - size.bottom;
/** Where a (recall, precision) pair is drawn, in the chart's own pixels (it is drawn at its natural size). */
export const chartPosition = (recall: number, precision: number) => ({ x: x(recall), y: y(precision) });
function x(recall: number) {
  return Math.round((size.left + recall * plotW) * 10) / 10;
}
function y(precision: number) {
  return Math.round((size.top + (1 - precision) * plotH) * 10) / 10;
}

function axes(): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return [
    ...ticks.map(
      (t) =>
        `<line class="grid" x1="${x(t)}" x2="${x(t)}" y1="${y(1)}" y2="${y(0)}"/><text class="axis" x="${x(t)}" y="${y(0) + 16}" text-anchor="middle">${t * 100}%</text>` +
        `<line class="grid" x1="${x(0)}" x2="${x(1)}" y1="${y(t)}" y2="${y(t)}"/><text class="axis" x="${x(0) - 6}" y="${y(t) + 4}" text-anchor="end">${t * 100}%</text>`,
    ),
    `<text class="axis-title" x="${x(0.5)}" y="${size.height - 8}" text-anchor="middle">recall (exercises and missed detections)</text>`,
    `<text class="axis-title" x="14" y="${y(0.5)}" text-anchor="middle" transform="rotate(-90 14 ${y(0.5)})">precision (TP / (TP + FP))</text>`,
  ].join('');
}

function point(m: RuleMetrics): string {
  const { recall, precision, flagged } = m.recall!;
  const rx = recall.value!;
  const py = precision.value!;
  const title = `${m.ruleId}: recall ${proportionText(recall)}, precision ${proportionText(precision)}${flagged ? ' — keeps missing' : ''}`;
  return (
    `<g class="rule-point${flagged ? ' flagged' : ''}" data-rule="${escapeHtml(m.ruleId)}" data-recall="${rx}" data-precision="${py}" ` +
    `data-recall-lower="${recall.lower}" data-recall-upper="${recall.upper}" data-precision-lower="${precision.lower}" data-precision-upper="${precision.upper}">` +
    `<title>${escapeHtml(title)}</title>` +
    `<line class="error-bar recall-interval" x1="${x(recall.lower)}" x2="${x(recall.upper)}" y1="${y(py)}" y2="${y(py)}"/>` +
    `<line class="error-bar precision-interval" x1="${x(rx)}" x2="${x(rx)}" y1="${y(precision.upper)}" y2="${y(precision.lower)}"/>` +
    `<circle cx="${x(rx)}" cy="${y(py)}" r="5"/>` +
    `<text class="label" x="${x(rx) + 8}" y="${y(py) - 6}">${escapeHtml(m.ruleId)}</text></g>`
  );
}

const plottable = (m: RuleMetrics) => m.recall?.recall.value != null && m.recall.precision.value !== null;

export function precisionRecallChart(rules: RuleMetrics[]): string {
  const title = 'Precision and recall per rule, with Wilson 95% intervals';
  const shown = rules.filter(plottable);
  const missing = rules.filter((m) => !plottable(m)).map((m) => m.ruleId);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${size.width} ${size.height}" width="${size.width}" height="${size.height}">` +
    `${axes()}${shown.map(point).join('')}</svg>`;
  const notes = [
    shown.length === 0 && 'No rule has both exercises (or missed detections) and TP/FP dispositions in this period.',
    missing.length > 0 && `Not plotted (no recall or no precision yet): ${missing.join(', ')}.`,
    `Recall counts only the behaviours the exercises emulate. Red: keeps missing (≥ ${RECALL_FLAG.minMisses} misses, recall upper bound < ${RECALL_FLAG.maxUpperBound}).`,
  ].filter(Boolean);
  return `<figure class="chart" data-chart="precision-recall"><figcaption>${escapeHtml(title)}</figcaption>${svg}${notes
    .map((n) => `<p class="note">${escapeHtml(String(n))}</p>`)
    .join('')}</figure>`;
}

export const precisionRecallCss =
  'svg .rule-point circle{fill:#3867d6}svg .rule-point.flagged circle{fill:#c0392b}svg .error-bar{stroke:#5b6475;stroke-width:1.5}svg .axis-title{fill:#5b6475}';
