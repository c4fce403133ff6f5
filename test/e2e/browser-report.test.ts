import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { computeMetrics, renderReportHtml, type CaseRecord } from '../../client/metrics';
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

let browser: Browser;
const requests: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'soc-report-'));
  const file = join(dir, 'triage-report.html');
  writeFileSync(file, renderReportHtml(computeMetrics(records), records));
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

test('the report opens from a file, loads nothing else, and renders its four charts', async () => {
  expect(await browser.page.title()).toBe('SOC triage report');
  expect(requests).toHaveLength(1);
  expect(errors).toEqual([]);
  const charts = browser.page.locator('figure.chart');
  expect(await charts.evaluateAll((figures) => figures.map((f) => f.getAttribute('data-chart')))).toEqual([
    'precision',
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
