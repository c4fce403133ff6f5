import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { computeMetrics, renderReportHtml, type CaseRecord } from '../../client/metrics';
import { chartPosition } from '../../client/metrics/pr-chart';
import { withRecall, type RecallRecords } from '../../client/metrics/recall';
import { proportion } from '../../common/recall';
import { openBrowser, type Browser } from '../harness/chromium';

const M = 60_000;
const day1 = Date.parse('2026-03-02T01:00:00Z');
const day3 = Date.parse('2026-03-04T12:00:00Z');

function record(
  ruleId: string,
  receivedAt: number,
  disposition: string,
  triageMs?: number,
  respondMs?: number,
): CaseRecord {
  return {
    workflowId: `${ruleId}-${receivedAt}-${Math.random()}`,
    ruleId,
    receivedAt: new Date(receivedAt),
    running: false,
    triageState: 'closed',
    disposition,
    triagedAt: triageMs === undefined ? undefined : new Date(receivedAt + triageMs),
    closedAt: respondMs === undefined ? undefined : new Date(receivedAt + respondMs),
    wouldContain: false,
  };
}

/** travel: 3 TP + 1 FP (75%); leaked: 1 TP (100%); role: nothing decided yet. Two alerts on 2 March, four on 4 March. */
const records: CaseRecord[] = [
  record('travel', day1, 'true-positive', 2 * M, 3 * M),
  record('travel', day1, 'true-positive', 3 * M, 20 * M),
  record('travel', day3, 'true-positive', 4 * M, 40 * M),
  record('travel', day3, 'false-positive', 10 * M, 90 * M),
  record('leaked', day3, 'true-positive', 30_000, 45_000),
  record('role', day3 + 1, 'undetermined'),
];

const ended = (ruleId: string, outcome: 'detected' | 'missed') => ({
  workflowId: `exercise-${ruleId}-${Math.random()}`,
  ruleId,
  startedAt: new Date(day3),
  running: false,
  outcome,
});
/** travel: 3 of 4 exercises detected (75%); leaked: 2 exercises missed and 2 missed detections (0 of 4: flagged). */
const recall: RecallRecords = {
  exercises: [
    ended('travel', 'detected'),
    ended('travel', 'detected'),
    ended('travel', 'detected'),
    ended('travel', 'missed'),
    ended('leaked', 'missed'),
    ended('leaked', 'missed'),
  ],
  missed: [
    { workflowId: 'm1', rules: ['leaked'], recordedAt: new Date(day3) },
    { workflowId: 'm2', rules: ['leaked', 'travel-other'], recordedAt: new Date(day3) },
  ],
};

let browser: Browser;
const requests: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'soc-report-'));
  const file = join(dir, 'triage-report.html');
  writeFileSync(file, renderReportHtml(withRecall(computeMetrics(records), recall), records));
  browser = await openBrowser();
  browser.page.on('request', (request) => requests.push(request.url()));
  browser.page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  browser.page.on('pageerror', (err) => errors.push(err.message));
  await browser.page.goto(pathToFileURL(file).href);
  await browser.page.screenshot({ path: join(dir, 'triage-report.png'), fullPage: true });
});
afterAll(async () => {
  await browser?.close();
});

/** Rendered size of each bar of a chart, in CSS pixels, with its label. */
async function bars(chart: string): Promise<{ label: string; width: number; height: number }[]> {
  const rects = browser.page.locator(`figure[data-chart="${chart}"] svg rect.bar`);
  const out = [];
  for (const rect of await rects.all()) {
    const box = await rect.boundingBox();
    out.push({
      label: (await rect.getAttribute('data-label')) ?? '',
      width: Math.round(box?.width ?? 0),
      height: Math.round(box?.height ?? 0),
    });
  }
  return out;
}

test('the report opens from a file, loads nothing else, and renders its five charts', async () => {
  expect(await browser.page.title()).toBe('SOC triage report');
  expect(requests).toHaveLength(1);
  expect(errors).toEqual([]);
  const charts = browser.page.locator('figure.chart');
  expect(await charts.evaluateAll((figures) => figures.map((f) => f.getAttribute('data-chart')))).toEqual([
    'precision',
    'precision-recall',
    'mttt',
    'mttr',
    'volume',
  ]);
  for (const chart of await charts.all()) {
    expect(await chart.isVisible()).toBe(true);
    const box = await chart.locator('svg').boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    expect(box!.height).toBeGreaterThan(80);
  }
});

test('precision per rule: bar lengths follow TP / (TP + FP), a rule without either says so', async () => {
  expect(await bars('precision')).toEqual([
    { label: 'leaked', width: 300, height: 18 },
    { label: 'travel', width: 225, height: 18 },
  ]);
  const text = await browser.page.locator('figure[data-chart="precision"]').innerText();
  expect(text).toContain('75.0% (3 TP / 1 FP)');
  expect(text).toContain('no TP or FP yet');
});

test('MTTT and MTTR distributions put each case in its bucket', async () => {
  const heights = async (chart: string) => Object.fromEntries((await bars(chart)).map((b) => [b.label, b.height]));
  // Triage after 30 s, 2, 3, 4 and 10 min: one below a minute, three in 1–5 min (the tallest), one in 5–15 min.
  expect(await heights('mttt')).toEqual({
    '<1m': 60,
    '1–5m': 180,
    '5–15m': 60,
    '15–30m': 0,
    '30m–1h': 0,
    '1–4h': 0,
    '4–24h': 0,
    '≥1d': 0,
  });
  // Responded after 45 s, 3, 20, 40 and 90 min.
  expect(await heights('mttr')).toEqual({
    '<1m': 180,
    '1–5m': 180,
    '5–15m': 0,
    '15–30m': 180,
    '30m–1h': 180,
    '1–4h': 180,
    '4–24h': 0,
    '≥1d': 0,
  });
});

test('volume over time has one bar per day, empty days included', async () => {
  const volume = await bars('volume');
  expect(volume.map((b) => [b.label, b.height])).toEqual([
    ['2026-03-02', 90],
    ['2026-03-03', 0],
    ['2026-03-04', 180],
  ]);
  expect(await browser.page.locator('table.rules tr.overall td').first().innerText()).toBe('(all rules)');
});

test('precision-recall: one point per rule at (recall, precision), both Wilson intervals as error bars', async () => {
  const figure = browser.page.locator('figure[data-chart="precision-recall"]');
  const origin = (await figure.locator('svg').boundingBox())!;
  const drawn = async (ruleId: string) => {
    const point = figure.locator(`g.rule-point[data-rule="${ruleId}"]`);
    const box = async (selector: string) => (await point.locator(selector).boundingBox())!;
    const [dot, across, up] = await Promise.all([
      box('circle'),
      box('line.recall-interval'),
      box('line.precision-interval'),
    ]);
    return {
      flagged: (await point.getAttribute('class'))!.includes('flagged'),
      centre: { x: dot.x + dot.width / 2 - origin.x, y: dot.y + dot.height / 2 - origin.y },
      recallBar: { from: across.x - origin.x, to: across.x + across.width - origin.x },
      precisionBar: { from: up.y - origin.y, to: up.y + up.height - origin.y },
    };
  };
  const expectDrawn = async (ruleId: string, r: ReturnType<typeof proportion>, p: ReturnType<typeof proportion>) => {
    const shown = await drawn(ruleId);
    const at = chartPosition(r.value!, p.value!);
    expect(shown.centre.x).toBeCloseTo(at.x, 0);
    expect(shown.centre.y).toBeCloseTo(at.y, 0);
    // Error bars span the intervals: recall across, precision up (the stroke adds a pixel at most).
    expect(Math.abs(shown.recallBar.from - chartPosition(r.lower, 0).x)).toBeLessThanOrEqual(1);
    expect(Math.abs(shown.recallBar.to - chartPosition(r.upper, 0).x)).toBeLessThanOrEqual(1);
    expect(Math.abs(shown.precisionBar.from - chartPosition(0, p.upper).y)).toBeLessThanOrEqual(1);
    expect(Math.abs(shown.precisionBar.to - chartPosition(0, p.lower).y)).toBeLessThanOrEqual(1);
    return shown;
  };
  expect(await figure.locator('g.rule-point').evaluateAll((g) => g.map((e) => e.getAttribute('data-rule')))).toEqual([
    'leaked',
    'travel',
  ]);
  const travel = await expectDrawn('travel', proportion(3, 4), proportion(3, 4));
  const leaked = await expectDrawn('leaked', proportion(0, 4), proportion(1, 1));
  expect([travel.flagged, leaked.flagged]).toEqual([false, true]);
  expect(leaked.centre.x).toBeLessThan(travel.centre.x);
  const text = await figure.innerText();
  expect(text).toContain('Not plotted (no recall or no precision yet): role, travel-other.');
  expect(text).toContain('Recall counts only the behaviours the exercises emulate.');
});
