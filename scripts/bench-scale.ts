/**
 * `npm run bench:scale [-- --alerts 1000|5000|10000] [--target both|cluster|dev] [--workers 2] [--rate 10]
 * [--together] [--standins]`
 *
 * N confirm-with-user alerts that nobody answers, each with its own jittered deadline (BENCH_TIMEOUT_SECONDS, default
 * 120, plus up to BENCH_JITTER_SECONDS, default 60), on the cluster topology (the Temporal server on PostgreSQL) and on
 * the dev server (SQLite). Per target, the floor: a bare workflow waiting on the same timer, in a worker process with
 * the same settings (cache size, task slots, BENCH_WORKER_NODE_OPTIONS); and the product: the triage workflows in the
 * product's worker (`scripts/bench/product-worker.ts`: `workers/main.ts` with the in-memory demo tenant; `--standins`:
 * the production worker against the Graph and Teams stand-ins). One after the other, or `--together` in the same
 * window, so both see the same load from whatever else shares the machine. `--rate` paces the starts (per second).
 * Reports the start rate, whether all N waited at once, the peak RSS of the workers and of the server (PostgreSQL
 * apart), and escalation lateness (escalation time − deadline, workflow time) p50/p99/max, each against the floor as
 * a ratio, and escalations missing. Writes bench-results/scale-<N>.json.
 */
import { ensureEphemeralCodecKeys, productDataConverter } from '../client/codec';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { parseAlert } from '../common/alert';
import { loadWorkerConfig } from '../common/config';
import { parsePolicy } from '../common/policy';
import type { CaseState } from '../common/triage';
import { submitAlert } from '../client/triage-client';
import { caseStateQuery } from '../common/messages/triage';
import { DEMO_ANALYST } from '../common/demo';
import { findPid, samplePeaks, treeMemory } from './bench/rss';
import { startCluster, startWorkerProcesses } from './cluster';
import { startProductProcess, type ProductProcess } from './cluster/processes';
import { projectRoot, startDevServer, temporalDir } from './servers';
import { pool } from './bench/pool';
import { startBenchStandIns } from './bench/standins';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '1000' },
    target: { type: 'string', default: 'both' },
    workers: { type: 'string', default: '2' },
    rate: { type: 'string' },
    together: { type: 'boolean', default: false },
    standins: { type: 'boolean', default: false },
  },
});
const N = Number(values.alerts);
const WORKERS = Number(values.workers);
/** Starts per second, paced (default: as fast as STARTS_IN_FLIGHT allows); a SIEM feed does not burst N at once. */
const RATE = values.rate === undefined ? undefined : Number(values.rate);
/** Floor and product in the same window, so both see the same load from whatever else shares the machine. */
const TOGETHER = values.together;
/** The production worker against the Graph and Teams stand-ins (HTTPS), instead of the in-memory demo tenant. */
const STANDINS = values.standins;
const WORKER_SCRIPT = STANDINS ? 'workers/main.ts' : 'scripts/bench/product-worker.ts';
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 120) * 1000;
const JITTER_MS = Number(process.env.BENCH_JITTER_SECONDS ?? 60) * 1000;
const STARTS_IN_FLIGHT = 64;
/** Node options for the product and floor workers alike (say a heap cap, --max-old-space-size=…), not for this process. */
const WORKER_NODE_OPTIONS = process.env.BENCH_WORKER_NODE_OPTIONS;
const workerNodeOptions: Record<string, string> = WORKER_NODE_OPTIONS ? { NODE_OPTIONS: WORKER_NODE_OPTIONS } : {};
/** How long without a new escalation, after the last deadline, before the ones still missing count as missing. */
const GRACE_MS = Number(process.env.BENCH_GRACE_SECONDS ?? 600) * 1000;
if (![N, WORKERS].every((n) => Number.isInteger(n) && n > 0)) throw new Error('--alerts and --workers are counts');
if (RATE !== undefined && !(RATE > 0)) throw new Error('--rate is starts per second, more than 0');
if (!(TIMEOUT_MS >= 60_000))
  throw new Error("BENCH_TIMEOUT_SECONDS must be at least 60: a rule's confirmation timeout is at least one minute");
if (!(JITTER_MS >= 0)) throw new Error('BENCH_JITTER_SECONDS is a number of seconds, 0 or more');
const targets = values.target === 'both' ? (['cluster', 'dev'] as const) : [values.target as 'cluster' | 'dev'];

const log = (line: string) => console.log(line);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const round2 = (n: number) => Math.round(n * 100) / 100;
/** Deterministic jitter spread evenly over [0, JITTER_MS): the same deadlines for floor and product. */
const timeoutFor = (i: number) => TIMEOUT_MS + Math.round(((i * 7919) % N) * (JITTER_MS / N));

function distribution(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { p50Ms: at(50), p99Ms: at(99), maxMs: sorted[sorted.length - 1] ?? NaN };
}

async function waitForCount(client: Client, query: string, lastDeadline: number, name: string): Promise<number> {
  let seen = -1;
  let progressAt = Date.now();
  let loggedAt = Date.now();
  for (;;) {
    const { count } = await client.workflow.count(query);
    if (count > seen) [seen, progressAt] = [count, Date.now()];
    if (count >= N || (Date.now() > lastDeadline && Date.now() - progressAt > GRACE_MS)) return count;
    if (Date.now() - loggedAt > 60_000) {
      loggedAt = Date.now();
      log(`  ${name}: ${count} of ${N} done, load ${round2(loadavg()[0]!)}`);
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** `start(i)` no earlier than i / RATE seconds after the first start. */
function paced(start: (i: number) => Promise<void>): (i: number) => Promise<void> {
  if (RATE === undefined) return start;
  const first = Date.now();
  return async (i) => {
    const wait = first + (i * 1000) / RATE - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await start(i);
  };
}

interface Phase {
  starts: { seconds: number; perSecond: number };
  /** Every case was started before the first deadline, so all N were waiting at once. */
  allWaitingAtOnce: boolean;
  /** The machine's 1-minute load average at the start and the end of the phase (other work shares it). */
  loadAverage: { atStart: number; atEnd: number };
  lateness: { p50Ms: number; p99Ms: number; maxMs: number };
  missing: number;
  workerPeakRssMb: number;
  serverPeakRssMb: number;
  postgresPeakPssMb?: number;
}

async function measure(
  name: string,
  client: Client,
  memory: Record<string, () => number>,
  start: (i: number) => Promise<void>,
  doneQuery: string,
  lateness: (i: number) => Promise<number | undefined>,
): Promise<Phase> {
  const sampler = samplePeaks(memory);
  const loadAtStart = loadavg()[0]!;
  const firstStart = Date.now();
  const startMs = await pool(N, STARTS_IN_FLIGHT, paced(start));
  const lastDeadline = firstStart + startMs + TIMEOUT_MS + JITTER_MS;
  log(
    `  ${name}: started ${N} in ${(startMs / 1000).toFixed(1)} s; waiting for the deadlines (the last ≈ ${new Date(lastDeadline).toISOString()})…`,
  );
  await waitForCount(client, doneQuery, lastDeadline, name);
  const peaks = sampler.stop();
  const late: number[] = [];
  await pool(N, 16, async (i) => {
    const ms = await lateness(i);
    if (ms !== undefined) late.push(ms);
  });
  return {
    starts: { seconds: startMs / 1000, perSecond: N / (startMs / 1000) },
    allWaitingAtOnce: startMs < TIMEOUT_MS,
    loadAverage: { atStart: round2(loadAtStart), atEnd: round2(loadavg()[0]!) },
    lateness: distribution(late),
    missing: N - late.length,
    workerPeakRssMb: mb(peaks.workers!),
    serverPeakRssMb: mb(peaks.server!),
    ...(peaks.postgres !== undefined ? { postgresPeakPssMb: mb(peaks.postgres) } : {}),
  };
}

async function runTarget(target: 'cluster' | 'dev', run: string) {
  log(`\n== ${target}: ${N} alerts, ${WORKERS} product worker(s) ==`);
  const dir = mkdtempSync(join(temporalDir, `bench-${target}-`));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // Nobody answers, nothing is contained: the in-memory demo tenant, or the stand-ins `npm run cluster` uses.
  const standIns = STANDINS ? await startBenchStandIns() : undefined;
  const productEnv = {
    ...(standIns?.env ?? { SOC_ANALYSTS: DEMO_ANALYST }),
    SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS: '0',
    ...workerNodeOptions,
  };
  const processes: ProductProcess[] = [];
  let address: string;
  let serverPid: () => number;
  let postgresPid: (() => number) | undefined;
  let stopServer: () => Promise<void>;
  if (target === 'cluster') {
    const cluster = await startCluster({
      dir,
      workers: WORKERS,
      workerScript: WORKER_SCRIPT,
      intakes: 0,
      productEnv,
      log: () => undefined,
    });
    processes.push(...cluster.workers);
    address = cluster.temporalAddress;
    serverPid = () => cluster.server.pid;
    const postmaster = Number(readFileSync(join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    postgresPid = () => postmaster;
    stopServer = () => cluster.stop();
  } else {
    const env = await startDevServer({}, log);
    address = env.address;
    const port = address.split(':').pop();
    const pid = findPid(new RegExp(`start-dev .*--port ${port}\\b`));
    serverPid = () => pid ?? 0;
    await startWorkerProcesses({
      count: WORKERS,
      env: { TEMPORAL_ADDRESS: address, ...productEnv },
      logDir,
      into: processes,
      script: WORKER_SCRIPT,
    });
    stopServer = async () => {
      await Promise.all(processes.map((p) => p.stop()));
      await env.teardown();
    };
  }
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    namespace: 'default',
    dataConverter: productDataConverter(process.env, { demoKeyFile: false }),
  });
  // As many floor workers as product workers, with the same settings.
  const timerWorkers = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      startProductProcess({
        name: `timer-worker-${i + 1}`,
        script: 'scripts/bench/timer-worker.ts',
        env: { TEMPORAL_ADDRESS: address, TASK_QUEUE: `bench-timer-${run}`, ...workerNodeOptions },
        logDir,
        ready: /timer worker ready/,
      }),
    ),
  );
  const stopTimerWorkers = () => Promise.all(timerWorkers.map((w) => w.stop()));
  const server = { server: () => treeMemory(serverPid(), 'largest') };
  const postgres: Record<string, () => number> = postgresPid
    ? { postgres: () => treeMemory(postgresPid!(), 'total') }
    : {};
  const floorPhase = async () => {
    log('floor: bare workflows waiting on the same timers');
    const floor = await measure(
      'floor',
      client,
      { workers: () => Math.max(...timerWorkers.map((w) => treeMemory(w.pid, 'largest'))), ...server, ...postgres },
      async (i) => {
        await client.workflow.start('benchTimerWorkflow', {
          workflowId: `bench-timer-${run}-${i}`,
          taskQueue: `bench-timer-${run}`,
          args: [timeoutFor(i)],
        });
      },
      `WorkflowType = 'benchTimerWorkflow' AND TaskQueue = 'bench-timer-${run}' AND ExecutionStatus = 'Completed'`,
      async (i) => {
        const result = (await client.workflow.getHandle(`bench-timer-${run}-${i}`).result()) as {
          deadline: string;
          firedAt: string;
        };
        return Date.parse(result.firedAt) - Date.parse(result.deadline);
      },
    );
    await stopTimerWorkers();
    log(
      `  floor lateness p50 ${floor.lateness.p50Ms} ms, p99 ${floor.lateness.p99Ms} ms, max ${floor.lateness.maxMs} ms`,
    );
    return floor;
  };
  const productPhase = async () => {
    log('product: confirm-with-user alerts that nobody answers');
    const ruleId = `bench-scale-${run}`;
    const workflowIds: string[] = [];
    const product = await measure(
      'product',
      client,
      {
        workers: () => Math.max(...processes.map((p) => treeMemory(p.pid, 'largest'))),
        ...server,
        ...postgres,
      },
      async (i) => {
        const alert = parseAlert({
          source: 'generic',
          sourceInstance: run,
          sourceAlertId: `a-${i}`,
          ruleId,
          ruleName: 'Benchmark: confirm with user',
          severity: 'medium',
          detectedAt: new Date().toISOString(),
          title: 'Benchmark alert nobody answers',
          entities: { userPrincipalName: 'jdoe@contoso.example', userObjectId: '11111111-1111-4111-8111-111111111111' },
        });
        const { workflowId } = await submitAlert(client, {
          alert,
          policy: parsePolicy({ mode: 'confirm-with-user', confirmationTimeoutMs: timeoutFor(i) }),
          analysts: [DEMO_ANALYST],
          taskQueue: 'soc-triage',
        });
        workflowIds[i] = workflowId;
      },
      `SocRuleId = '${ruleId}' AND SocQuestionOutcome = 'expired'`,
      async (i) => {
        const state = (await client.workflow.getHandle(workflowIds[i]!).query(caseStateQuery)) as CaseState;
        const escalated = state.escalations.find((e) => e.reason === 'no response');
        if (!escalated || !state.question) return undefined;
        return Date.parse(escalated.at) - Date.parse(state.question.deadline);
      },
    );
    log(
      `  product lateness p50 ${product.lateness.p50Ms} ms, p99 ${product.lateness.p99Ms} ms, max ${product.lateness.maxMs} ms; missing ${product.missing}`,
    );
    return product;
  };
  try {
    const [floor, product] = TOGETHER
      ? await Promise.all([floorPhase(), productPhase()])
      : [await floorPhase(), await productPhase()];
    const ratio = (a: number, b: number) => Math.round((a / Math.max(b, 1)) * 100) / 100;
    return {
      target,
      floor,
      product,
      ratios: {
        startRate: ratio(product.starts.perSecond, floor.starts.perSecond),
        latenessP50: ratio(product.lateness.p50Ms, floor.lateness.p50Ms),
        latenessP99: ratio(product.lateness.p99Ms, floor.lateness.p99Ms),
        latenessMax: ratio(product.lateness.maxMs, floor.lateness.maxMs),
      },
    };
  } finally {
    await stopTimerWorkers();
    await connection.close();
    await stopServer();
    await standIns?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  ensureEphemeralCodecKeys(); // every process started here inherits SOC_CODEC_KEYS
  const run = Date.now().toString(36);
  const worker = loadWorkerConfig();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAverageAtStart: loadavg().map(round2),
  };
  const results = [];
  for (const target of targets) results.push(await runTarget(target, run));
  const report = {
    alerts: N,
    productWorkers: WORKERS,
    productPorts: STANDINS ? 'Graph and Teams stand-ins over HTTPS' : 'in-memory demo tenant',
    startRatePaced: RATE ?? 'unpaced',
    workerNodeOptions: WORKER_NODE_OPTIONS ?? 'none',
    floorAndProductTogether: TOGETHER,
    timeoutSeconds: TIMEOUT_MS / 1000,
    jitterSeconds: JITTER_MS / 1000,
    workerSettings: {
      maxCachedWorkflows: worker.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: worker.maxConcurrentWorkflowTaskExecutions ?? 'SDK default',
      workflowThreads: worker.workflowThreads,
      maxConcurrentActivityTaskExecutions: worker.maxConcurrentActivityTaskExecutions ?? 'SDK default',
      workflowBundle: worker.workflowBundlePath ?? 'bundled at start',
    },
    machine: { ...machine, loadAverageAtEnd: loadavg().map(round2) },
    measuredAt: new Date().toISOString(),
    results,
  };
  const outDir = join(projectRoot, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `scale-${N}.json`);
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log('');
  console.table(
    results.map((r) => ({
      target: r.target,
      'starts/s (floor)': `${r.product.starts.perSecond.toFixed(0)} (${r.floor.starts.perSecond.toFixed(0)})`,
      'lateness p50 s (floor)': `${(r.product.lateness.p50Ms / 1000).toFixed(1)} (${(r.floor.lateness.p50Ms / 1000).toFixed(1)})`,
      'p99 s (floor)': `${(r.product.lateness.p99Ms / 1000).toFixed(1)} (${(r.floor.lateness.p99Ms / 1000).toFixed(1)})`,
      'max s (floor)': `${(r.product.lateness.maxMs / 1000).toFixed(1)} (${(r.floor.lateness.maxMs / 1000).toFixed(1)})`,
      'p99 ratio': r.ratios.latenessP99,
      missing: r.product.missing,
      'worker MB (floor)': `${r.product.workerPeakRssMb} (${r.floor.workerPeakRssMb})`,
      'server MB': r.product.serverPeakRssMb,
      'PostgreSQL MB': r.product.postgresPeakPssMb ?? '—',
    })),
  );
  console.log(`Wrote ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
