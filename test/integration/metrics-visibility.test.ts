import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wilsonLowerBound } from '../../common/fidelity';
import { runMetricsCommand, runReportCommand, type MetricsReport, type RuleMetrics } from '../../client/metrics';
import { connectDevServer, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';
import { startSeeder, type SeededCase, type Seeder } from '../harness/seeding';

const S = 1_000;
const M = 60_000;
const run = randomUUID().slice(0, 8);
const rule = {
  travel: `${run}-impossible-travel`,
  leaked: `${run}-leaked-credentials`,
  role: `${run}-privileged-role`,
  mfa: `${run}-mfa-fatigue`,
};

/** Fourteen cases; every number below is worked out by hand from this list. */
const cases: SeededCase[] = [
  // impossible travel, asks the user
  {
    ruleId: rule.travel,
    route: 'confirm-with-user',
    disposition: 'benign-positive',
    settledBy: 'user',
    questionOutcome: 'answered',
    triagedAfterMs: 2 * M,
    closedAfterMs: 2 * M,
  },
  {
    ruleId: rule.travel,
    route: 'confirm-with-user',
    disposition: 'benign-positive',
    settledBy: 'user',
    questionOutcome: 'answered',
    triagedAfterMs: 4 * M,
    closedAfterMs: 4 * M,
  },
  {
    ruleId: rule.travel,
    route: 'confirm-with-user',
    disposition: 'true-positive',
    settledBy: 'user',
    questionOutcome: 'answered',
    triagedAfterMs: 6 * M,
    containedAfterMs: 7 * M,
    closedAfterMs: 60 * M,
  },
  {
    ruleId: rule.travel,
    route: 'confirm-with-user',
    disposition: 'false-positive',
    settledBy: 'analyst',
    questionOutcome: 'expired',
    triagedAfterMs: 45 * M,
    closedAfterMs: 45 * M,
  },
  { ruleId: rule.travel, route: 'confirm-with-user', disposition: 'undetermined', questionOutcome: 'expired' },
  {
    ruleId: rule.travel,
    route: 'confirm-with-user',
    disposition: 'true-positive',
    settledBy: 'analyst',
    questionOutcome: 'expired',
    triagedAfterMs: 40 * M,
    containedAfterMs: 41 * M,
    closedAfterMs: 90 * M,
  },
  // leaked credentials, contained automatically
  {
    ruleId: rule.leaked,
    route: 'auto-contain',
    disposition: 'true-positive',
    settledBy: 'automation',
    triagedAfterMs: 10 * S,
    containedAfterMs: 30 * S,
    closedAfterMs: 20 * M,
  },
  {
    ruleId: rule.leaked,
    route: 'auto-contain',
    disposition: 'true-positive',
    settledBy: 'automation',
    triagedAfterMs: 20 * S,
    containedAfterMs: 50 * S,
    closedAfterMs: 30 * M,
  },
  {
    ruleId: rule.leaked,
    route: 'auto-contain',
    disposition: 'false-positive',
    settledBy: 'automation',
    triagedAfterMs: 15 * S,
    containedAfterMs: 40 * S,
    closedAfterMs: 25 * M,
  },
  {
    ruleId: rule.leaked,
    route: 'auto-contain',
    disposition: 'true-positive',
    settledBy: 'automation',
    triagedAfterMs: 5 * S,
    containedAfterMs: 20 * S,
  },
  // privileged role assignment, analysts only
  {
    ruleId: rule.role,
    route: 'analyst',
    disposition: 'true-positive',
    settledBy: 'analyst',
    triagedAfterMs: 30 * M,
    containedAfterMs: 32 * M,
    closedAfterMs: 120 * M,
  },
  { ruleId: rule.role, route: 'analyst', disposition: 'undetermined' },
  // MFA fatigue in shadow mode
  {
    ruleId: rule.mfa,
    route: 'confirm-with-user',
    disposition: 'true-positive',
    settledBy: 'user',
    questionOutcome: 'answered',
    wouldContain: true,
    triagedAfterMs: 3 * M,
    containedAfterMs: 3.5 * M,
    closedAfterMs: 50 * M,
  },
  {
    ruleId: rule.mfa,
    route: 'confirm-with-user',
    disposition: 'benign-positive',
    settledBy: 'user',
    questionOutcome: 'answered',
    wouldContain: true,
    triagedAfterMs: 5 * M,
    closedAfterMs: 5 * M,
  },
];

let server: DevServerHarness;
let seeder: Seeder;
const taskQueue = uniqueTaskQueue('metrics-seed');
let report: MetricsReport;
let table = '';

beforeAll(async () => {
  server = await connectDevServer();
  seeder = await startSeeder(server.client, server.nativeConnection, taskQueue);
  await seeder.seed(cases);
  report = await runMetricsCommand(['--task-queue', taskQueue, '--json'], server.client, { out: () => undefined });
  await runMetricsCommand(['--task-queue', taskQueue], server.client, { out: (text) => (table += text) });
});
afterAll(async () => {
  await seeder?.close();
  await server?.teardown();
});

const metrics = (ruleId: string): RuleMetrics => report.rules.find((m) => m.ruleId === ruleId)!;

test('counts alerts, dispositions, precision and who settled them, per rule and overall', () => {
  expect(report.rules.map((m) => m.ruleId)).toEqual([rule.travel, rule.leaked, rule.mfa, rule.role].sort());
  expect(metrics(rule.travel)).toMatchObject({
    alerts: 6,
    open: 1,
    truePositives: 2,
    falsePositives: 1,
    benignPositives: 2,
    dispositions: 5,
    settledByUser: 3,
    settledByUserShare: 0.5,
    containedAutomatically: 0,
    containedAutomaticallyShare: 0,
    noResponseEscalations: 3,
    wouldContain: 0,
  });
  expect(metrics(rule.travel).precision).toBeCloseTo(2 / 3, 12);
  expect(metrics(rule.leaked)).toMatchObject({
    alerts: 4,
    open: 1,
    truePositives: 3,
    falsePositives: 1,
    benignPositives: 0,
    dispositions: 4,
    precision: 0.75,
    settledByUser: 0,
    containedAutomatically: 4,
    containedAutomaticallyShare: 1,
    noResponseEscalations: 0,
  });
  expect(metrics(rule.role)).toMatchObject({
    alerts: 2,
    open: 1,
    truePositives: 1,
    dispositions: 1,
    precision: 1,
    settledByUserShare: 0,
  });
  expect(metrics(rule.mfa)).toMatchObject({
    alerts: 2,
    open: 0,
    truePositives: 1,
    benignPositives: 1,
    precision: 1,
    settledByUser: 2,
    settledByUserShare: 1,
    wouldContain: 2,
    wouldContainTruePositives: 1,
  });
  expect(report.overall).toMatchObject({
    alerts: 14,
    open: 3,
    truePositives: 7,
    falsePositives: 2,
    benignPositives: 3,
    dispositions: 12,
    settledByUser: 5,
    containedAutomatically: 4,
    noResponseEscalations: 3,
    wouldContain: 2,
  });
  expect(report.overall.precision).toBeCloseTo(7 / 9, 12);
  expect(report.overall.settledByUserShare).toBeCloseTo(5 / 14, 12);
  expect(report.overall.containedAutomaticallyShare).toBeCloseTo(4 / 14, 12);
});

test('MTTT and MTTR: median, nearest-rank p90 and mean, from StartTime', () => {
  // impossible travel: triaged after 2, 4, 6, 40, 45 min; responded (contained, else closed) after 2, 4, 7, 41, 45 min
  expect(metrics(rule.travel).mttt).toEqual({ count: 5, medianMs: 6 * M, p90Ms: 45 * M, meanMs: 19.4 * M });
  expect(metrics(rule.travel).mttr).toEqual({ count: 5, medianMs: 7 * M, p90Ms: 45 * M, meanMs: 19.8 * M });
  // leaked credentials: triaged after 5, 10, 15, 20 s; contained after 20, 30, 40, 50 s
  expect(metrics(rule.leaked).mttt).toEqual({ count: 4, medianMs: 12.5 * S, p90Ms: 20 * S, meanMs: 12.5 * S });
  expect(metrics(rule.leaked).mttr).toEqual({ count: 4, medianMs: 35 * S, p90Ms: 50 * S, meanMs: 35 * S });
  expect(metrics(rule.role).mttt).toEqual({ count: 1, medianMs: 30 * M, p90Ms: 30 * M, meanMs: 30 * M });
  expect(metrics(rule.mfa).mttr).toEqual({ count: 2, medianMs: 255 * S, p90Ms: 5 * M, meanMs: 255 * S });
  // overall, seconds: 5 10 15 20 120 180 | 240 300 360 1800 2400 2700 → median (180 + 240) / 2, p90 the 11th of 12
  expect(report.overall.mttt).toMatchObject({ count: 12, medianMs: 210 * S, p90Ms: 2400 * S });
  expect(report.overall.mttt.meanMs).toBeCloseTo((8150 / 12) * S, 6);
  // 20 30 40 50 120 210 | 240 300 420 1920 2460 2700
  expect(report.overall.mttr).toMatchObject({ count: 12, medianMs: 225 * S, p90Ms: 2460 * S });
  expect(report.overall.mttr.meanMs).toBeCloseTo((8510 / 12) * S, 6);
});

test('the fidelity bound counts closed cases only, benign positives against the rule', () => {
  expect(metrics(rule.travel).fidelityBound).toBeCloseTo(wilsonLowerBound(2, 5), 12);
  expect(metrics(rule.leaked).fidelityBound).toBeCloseTo(wilsonLowerBound(2, 3), 12);
  expect(report.overall.fidelityBound).toBeCloseTo(wilsonLowerBound(6, 11), 12);
});

test('the table shows the same numbers, one row per rule and the overall row last', () => {
  const rows = table.split('\n').map((line) => line.trim().split(/\s{2,}/));
  const row = (first: string) => rows.find((cells) => cells[0] === first);
  expect(row(rule.travel)).toEqual([
    rule.travel,
    '6',
    '2/1/2',
    '66.7%',
    '–', // recall: no exercise or missed detection of these rules
    '0/0/0',
    '50.0%',
    '0.0%',
    '3',
    '6m00s / 45m00s / 19m24s',
    '7m00s / 45m00s / 19m48s',
    '0',
    wilsonLowerBound(2, 5).toFixed(3),
    'none',
  ]);
  expect(row(rule.leaked)).toEqual([
    rule.leaked,
    '4',
    '3/1/0',
    '75.0%',
    '–',
    '0/0/0',
    '0.0%',
    '100.0%',
    '0',
    '13s / 20s / 13s',
    '35s / 50s / 35s',
    '0',
    wilsonLowerBound(2, 3).toFixed(3),
    'none',
  ]);
  const last = rows.filter((cells) => cells.length > 5).at(-1)!;
  expect(last.slice(0, 9)).toEqual(['(all rules)', '14', '7/2/3', '77.8%', '–', '0/0/0', '35.7%', '28.6%', '3']);
});

test('the report command writes one self-contained HTML file with the four charts', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'soc-report-')), 'triage-report.html');
  let said = '';
  const path = await runReportCommand(['--task-queue', taskQueue, '--out', out], server.client, {
    out: (text) => (said += text),
  });
  expect(path).toBe(out);
  expect(said).toMatch(/Wrote .*triage-report\.html \(14 alerts, 4 rules\)/);
  const html = readFileSync(out, 'utf8');
  expect(html.match(/data-chart="(\w+)"/g)).toEqual([
    'data-chart="precision"',
    'data-chart="mttt"',
    'data-chart="mttr"',
    'data-chart="volume"',
  ]);
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
});

test('bad arguments are refused with the usage', async () => {
  await expect(runMetricsCommand(['--since', 'last tuesday'], server.client, { out: () => undefined })).rejects.toThrow(
    /--since must be a duration like 7d or an ISO time, not "last tuesday"\nUsage: soc metrics/,
  );
  await expect(runMetricsCommand(['--bogus'], server.client, { out: () => undefined })).rejects.toThrow(
    /Unknown option '--bogus'/,
  );
});
