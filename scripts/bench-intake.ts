/**
 * `npm run bench:intake`: on one dev server started for this run, measures
 *  1. the floor: the raw start of the triage workflow (`submitAlert`: one `client.workflow.start` with the options the
 *     intake uses), N new alerts with C starts in flight;
 *  2. the intake: N new alerts over HTTP (`POST /v1/alerts/generic`, one alert per request) with C requests in flight:
 *     alerts/s and per-request p50/p99; and 100 alerts per request.
 *     Throughput is compared in PAIRED_ROUNDS back-to-back pairs at C = 64 (the intake's own limit to Temporal,
 *     SOC_INTAKE_MAX_IN_FLIGHT), raw and intake in alternating order; the ratio is the median of the pairs' ratios, so
 *     the server's drift as it fills and a busy moment on the machine fall on both sides of a pair. Latency is shown at
 *     each C in BENCH_CONCURRENCY (default 8, 64 and 256);
 *  3. a burst of 5,000 alerts sent at once: every one must end acknowledged (429 is retried after Retry-After, as a
 *     SIEM does), no 5xx, and exactly one workflow per alert.
 * Prints a table and writes bench-results/intake.json. No worker runs: only start throughput is measured. The load
 * generator runs in the intake's process (on a small machine it competes with the intake and the server for CPU).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { parseAlert, triageWorkflowId, type Alert } from '../common/alert';
import { intakeConfig } from '../common/config/intake';
import { defaultPolicy } from '../common/policy';
import { staticCatalog } from '../common/rules';
import { startIntake } from '../client/intake/start';
import { submitAlert } from '../client/triage-client';
import { projectRoot, startDevServer } from './servers';
import { pool } from './bench/pool';

const N = Number(process.env.BENCH_ALERTS ?? 1500);
/** Senders in flight. The intake's own limit to Temporal (SOC_INTAKE_MAX_IN_FLIGHT) stays at its default, 64. */
const CONCURRENCY_LEVELS = (process.env.BENCH_CONCURRENCY ?? '8,64,256').split(',').map(Number);
const CONCURRENCY = CONCURRENCY_LEVELS[0]!;
const PAIRED_CONCURRENCY = 64;
const PAIRED_ROUNDS = Number(process.env.BENCH_PAIRED_ROUNDS ?? 5);
const BURST = Number(process.env.BENCH_BURST ?? 5000);
const TOKEN = randomUUID();

function alertFor(run: string, i: number): Alert {
  return parseAlert({
    source: 'generic',
    sourceInstance: run,
    sourceAlertId: `a-${i}`,
    ruleId: `bench-rule-${i % 20}`,
    ruleName: 'Benchmark rule',
    severity: 'medium',
    detectedAt: new Date().toISOString(),
    title: 'Benchmark alert',
    entities: { userPrincipalName: `user${i}@example.com`, sourceIp: '203.0.113.7' },
  });
}

/** Runs `work(i)` for i in [0, count) with at most `parallel` at once; returns the wall time in ms. */
let cpuAtStart = process.cpuUsage();
function measured(count: number, parallel: number, work: (i: number) => Promise<void>): Promise<number> {
  cpuAtStart = process.cpuUsage();
  return pool(count, parallel, work);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Measurement {
  alerts: number;
  seconds: number;
  alertsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of this Node process (client and, for the intake, server) per alert. */
  nodeCpuMsPerAlert: number;
}

function measurement(alerts: number, wallMs: number, latencies: number[]): Measurement {
  const sorted = [...latencies].sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    nodeCpuMsPerAlert: +((cpu.user + cpu.system) / 1000 / alerts).toFixed(2),
    alerts,
    seconds: +(wallMs / 1000).toFixed(2),
    alertsPerSecond: Math.round((alerts / wallMs) * 1000),
    p50Ms: +percentile(sorted, 50).toFixed(1),
    p99Ms: +percentile(sorted, 99).toFixed(1),
  };
}

/**
 * The floor: the start the intake makes for a new alert, called directly — `submitAlert` is one
 * `client.workflow.start` of the triage workflow with the production options (id, reuse policy, search attributes,
 * summary and details), and no HTTP, parsing or validation.
 */
async function rawStarts(client: Client, taskQueue: string, run: string, concurrency: number): Promise<Measurement> {
  const latencies: number[] = [];
  const wall = await measured(N, concurrency, async (i) => {
    const alert = alertFor(run, i);
    const t0 = performance.now();
    const { outcome } = await submitAlert(client, { alert, policy: defaultPolicy, analysts: [], taskQueue });
    if (outcome !== 'started') throw new Error(`raw start of a new alert answered ${outcome}`);
    latencies.push(performance.now() - t0);
  });
  return measurement(N, wall, latencies);
}

interface HttpStats {
  statuses: Record<number, number>;
  retries: number;
  acknowledged: Set<string>;
}

/** One POST over a keep-alive agent (node:http: the least client overhead in this process). */
function send(url: string, body: string, agent: Agent): Promise<{ status: number; retryAfter?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/v1/alerts/generic`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${TOKEN}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function post(url: string, body: string, agent: Agent, stats: HttpStats): Promise<void> {
  for (;;) {
    const response = await send(url, body, agent);
    stats.statuses[response.status] = (stats.statuses[response.status] ?? 0) + 1;
    if (response.status < 300) {
      const answer = JSON.parse(response.text) as { results?: { outcome: string; workflowId?: string }[] };
      for (const r of answer.results ?? [])
        if (r.workflowId && r.outcome !== 'rejected') stats.acknowledged.add(r.workflowId);
      return;
    }
    if (response.status !== 429 && response.status !== 503)
      throw new Error(`intake answered ${response.status}: ${response.text.slice(0, 300)}`);
    // What a SIEM does: wait as told, send the same delivery again.
    stats.retries++;
    await new Promise((resolve) => setTimeout(resolve, Number(response.retryAfter ?? 1) * 1000));
  }
}

async function intakeRequests(
  url: string,
  agent: Agent,
  run: string,
  perRequest: number,
  concurrency: number,
): Promise<Measurement & { statuses: Record<number, number> }> {
  const stats: HttpStats = { statuses: {}, retries: 0, acknowledged: new Set() };
  const latencies: number[] = [];
  const requests = Math.ceil(N / perRequest);
  const wall = await measured(requests, concurrency, async (r) => {
    const alerts = Array.from({ length: perRequest }, (_, k) => alertFor(run, r * perRequest + k));
    const body = JSON.stringify(perRequest === 1 ? alerts[0] : { alerts });
    const t0 = performance.now();
    await post(url, body, agent, stats);
    latencies.push(performance.now() - t0);
  });
  if (stats.acknowledged.size !== requests * perRequest)
    throw new Error(`${stats.acknowledged.size} of ${N} alerts acknowledged`);
  return { ...measurement(requests * perRequest, wall, latencies), statuses: stats.statuses };
}

async function burst(url: string, client: Client, taskQueue: string) {
  const run = `burst-${randomUUID().slice(0, 8)}`;
  const stats: HttpStats = { statuses: {}, retries: 0, acknowledged: new Set() };
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const latencies: number[] = [];
  const wall = await measured(BURST, BURST, async (i) => {
    const t0 = performance.now();
    await post(url, JSON.stringify(alertFor(run, i)), agent, stats);
    latencies.push(performance.now() - t0);
  });
  agent.destroy();
  // Lost = acknowledged but without its workflow, or never acknowledged. Count what the server holds.
  const expected = new Set(Array.from({ length: BURST }, (_, i) => triageWorkflowId(alertFor(run, i))));
  const held = new Set<string>();
  for (let attempt = 0; attempt < 600; attempt++) {
    held.clear();
    for await (const execution of client.workflow.list({
      query: `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH 'triage:generic:${run}:'`,
    }))
      held.add(execution.workflowId);
    if (held.size >= BURST) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const lost = [...expected].filter((id) => !stats.acknowledged.has(id) || !held.has(id)).length;
  const fivexx = Object.entries(stats.statuses)
    .filter(([status]) => Number(status) >= 500)
    .reduce((n, [, c]) => n + c, 0);
  return {
    ...measurement(BURST, wall, latencies),
    statuses: stats.statuses,
    retries: stats.retries,
    lost,
    fivexx,
    workflows: held.size,
  };
}

async function main(): Promise<void> {
  console.log('Starting a Temporal dev server…');
  const env = await startDevServer();
  const taskQueue = `bench-intake-${randomUUID().slice(0, 8)}`;
  // Production-like logging (pino, info, one line per request and per alert) into a sink.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const intake = await startIntake({
    client: env.client,
    taskQueue,
    rules: staticCatalog({}),
    analysts: [],
    config: intakeConfig({ port: 0, auth: { generic: { method: 'bearer', token: TOKEN } } }),
    logger: { level: 'info', stream: sink },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(...CONCURRENCY_LEVELS) * 2 });
  try {
    console.log(`Warming up…`);
    await rawStarts(env.client, taskQueue, `warm-${randomUUID().slice(0, 8)}`, CONCURRENCY);
    await intakeRequests(intake.url, agent, `warm-${randomUUID().slice(0, 8)}`, 1, CONCURRENCY);

    type Row = Measurement & { side: 'raw' | 'intake'; concurrency: number; round: number };
    const rows: Row[] = [];
    const measure = async (side: Row['side'], concurrency: number, round: number) => {
      const run = `${side}-${round}-${concurrency}-${randomUUID().slice(0, 8)}`;
      const result =
        side === 'raw'
          ? await rawStarts(env.client, taskQueue, run, concurrency)
          : await intakeRequests(intake.url, agent, run, 1, concurrency);
      rows.push({ side, concurrency, round, ...result });
      return result.alertsPerSecond;
    };
    for (const concurrency of CONCURRENCY_LEVELS) {
      console.log(`Latency, ${concurrency} in flight: ${N} raw starts and ${N} alerts through the intake…`);
      await measure('raw', concurrency, 0);
      await measure('intake', concurrency, 0);
    }
    const pairs: { raw: number; intake: number; ratio: number }[] = [];
    for (let round = 1; round <= PAIRED_ROUNDS; round++) {
      console.log(`Throughput pair ${round}/${PAIRED_ROUNDS}, ${PAIRED_CONCURRENCY} in flight…`);
      const order: Row['side'][] = round % 2 === 1 ? ['raw', 'intake'] : ['intake', 'raw'];
      const rate: Record<string, number> = {};
      for (const side of order) rate[side] = await measure(side, PAIRED_CONCURRENCY, round);
      pairs.push({ raw: rate.raw!, intake: rate.intake!, ratio: +(rate.intake! / rate.raw!).toFixed(3) });
    }
    console.log(`${N} alerts through the intake, 100 per request…`);
    const batched = await intakeRequests(intake.url, agent, `batch-${randomUUID().slice(0, 8)}`, 100, 4);
    console.log(`Burst: ${BURST} alerts at once…`);
    const burstResult = await burst(intake.url, env.client, taskQueue);

    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    const rawRate = Math.round(median(pairs.map((p) => p.raw)));
    const intakeRate = Math.round(median(pairs.map((p) => p.intake)));
    const ratio = +median(pairs.map((p) => p.ratio)).toFixed(2);
    const table = [
      ...rows
        .sort((a, b) => a.side.localeCompare(b.side) || a.concurrency - b.concurrency || a.round - b.round)
        .map((r) => ({
          measurement: `${r.side === 'raw' ? 'raw workflow.start' : 'intake, 1 alert/request'}, ${r.concurrency} in flight${r.round ? `, pair ${r.round}` : ''}`,
          ...r,
        })),
      { measurement: 'intake, 100 alerts/request, 4 in flight', ...batched },
      { measurement: `burst of ${BURST} at once`, ...burstResult },
    ];
    console.log('');
    console.table(
      table.map(({ measurement: what, alerts, seconds, alertsPerSecond, p50Ms, p99Ms, nodeCpuMsPerAlert }) => ({
        measurement: what,
        alerts,
        seconds,
        'alerts/s': alertsPerSecond,
        'p50 ms': p50Ms,
        'p99 ms': p99Ms,
        'node CPU ms/alert': nodeCpuMsPerAlert,
      })),
    );
    console.log(
      `Intake / raw start rate, ${PAIRED_CONCURRENCY} in flight: pairs ${pairs.map((p) => `${p.intake}/${p.raw}`).join(', ')} alerts/s; median ratio ${ratio} (goal ≥ 0.9)`,
    );
    console.log(
      `Burst: ${burstResult.workflows} workflows for ${BURST} alerts, lost ${burstResult.lost}, 5xx ${burstResult.fivexx}, statuses ${JSON.stringify(burstResult.statuses)}, retries after 429 ${burstResult.retries}`,
    );
    console.log(
      `Machine: ${cpus().length} CPUs, load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtEnd: loadavg() },
      settings: {
        alerts: N,
        concurrencyLevels: CONCURRENCY_LEVELS,
        pairedConcurrency: PAIRED_CONCURRENCY,
        pairedRounds: PAIRED_ROUNDS,
        burst: BURST,
        intakeMaxInFlight: intakeConfig().maxInFlight,
        intakeMaxQueued: intakeConfig().maxQueued,
      },
      runs: rows,
      pairs,
      batched,
      burst: burstResult,
      summary: {
        rawAlertsPerSecond: rawRate,
        intakeAlertsPerSecond: intakeRate,
        ratio,
        ratioStatistic: 'median of paired ratios',
        goal: 0.9,
        burstLost: burstResult.lost,
        burst5xx: burstResult.fivexx,
      },
    };
    mkdirSync(join(projectRoot, 'bench-results'), { recursive: true });
    writeFileSync(join(projectRoot, 'bench-results', 'intake.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('Wrote bench-results/intake.json');
    if (burstResult.lost > 0 || burstResult.fivexx > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    await intake.close();
    await env.teardown();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
