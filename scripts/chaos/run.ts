import { ensureEphemeralCodecKeys, failureConverterPath, productDataConverter } from '../../client/codec';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertDispatcher } from '../../client/intake/dispatch';
import { intakeConfig } from '../../common/config/intake';
import type { CaseState } from '../../common/triage';
import { standInGraphEnv, startGraphStandIn } from '../../standins/graph';
import { ensureStandInTls } from '../../standins/tls';
import { temporalDir } from '../servers';
import { actAsAnalyst, actAsUser, deliver, readCase, type CaseLog, type Interaction } from './actors';
import { startKillableDevServer } from './dev-server';
import { startFaultInjection } from './faults';
import { checkInvariants, type CaseOutcome, type InvariantReport } from './invariants';
import type { ChaosOptions } from './options';
import { seededRandom } from './random';
import { CHAOS_ANALYST, planRun, type PlannedCase } from './scenario';
import { startWorkerFleet } from './workers';

/**
 * One crash-loop run: its own Temporal dev server on a SQLite file (SIGKILLed once and restarted on the same file and
 * port), the HTTPS Graph stand-in injecting faults, worker processes SIGKILLed every few seconds, alerts through the
 * intake's dispatcher, users and analysts answering; then the chaos stops, the cases settle, and the invariants are
 * checked.
 */

export interface ChaosReport {
  run: string;
  options: ChaosOptions;
  startedAt: string;
  durationSeconds: number;
  plan: Record<string, number>;
  chaos: {
    workerKills: number;
    workerStarts: number;
    workerFailedStarts: number;
    faultsInjected: Record<string, number>;
    faultsServed: number;
    serverOutage?: { killedAt: string; restartedAt: string; seconds: number };
  };
  deliveries: Record<string, number>;
  redeliveries: Record<string, number>;
  answers: Record<string, number>;
  decisions: Record<string, number>;
  settled: { all: boolean; unsettled: number; seconds: number; examples: string[]; actorsDone: boolean };
  strayWorkflows: number;
  invariants: InvariantReport;
  /** Every invariant count is 0 and the escalation lateness outside the outage has p99 under 30 s. */
  ok: boolean;
}

export const LATENESS_GOAL_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const tally = (values: (string | undefined)[]) =>
  values.reduce<Record<string, number>>((acc, v) => ((acc[v ?? 'none'] = (acc[v ?? 'none'] ?? 0) + 1), acc), {});

async function workflowBundlePath(log: (line: string) => void): Promise<string> {
  if (process.env.SOC_TEST_WORKFLOW_BUNDLE) return process.env.SOC_TEST_WORKFLOW_BUNDLE;
  log('Bundling the workflows…');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    failureConverterPath,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  mkdirSync(join(temporalDir, 'cache'), { recursive: true });
  const path = join(temporalDir, 'cache', 'chaos-workflow-bundle.js');
  writeFileSync(path, code);
  return path;
}

/** A case is settled when it is closed, or has reached the analysts and nobody around it is still acting. */
function settled(state: CaseState | undefined): boolean {
  if (!state) return false;
  if (state.triageState === 'closed') return true;
  return state.escalations.length > 0 && ['awaiting-analyst', 'contained'].includes(state.triageState);
}

export async function runChaos(options: ChaosOptions, log: (line: string) => void): Promise<ChaosReport> {
  const started = Date.now();
  const plan = planRun(options);
  const random = seededRandom(options.seed + 2);
  const taskQueue = plan.run;
  const tls = await ensureStandInTls(join(temporalDir, 'tls'));
  const bundle = await workflowBundlePath(log);
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-chaos-'));
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => undefined);
  };
  try {
    const server = await startKillableDevServer(join(dataDir, 'temporal.db'));
    cleanups.push(() => server.stop());
    const standIn = await startGraphStandIn({ tls, seed: plan.seed });
    cleanups.push(() => standIn.stop());
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    ensureEphemeralCodecKeys(); // the worker processes inherit SOC_CODEC_KEYS
    const client = new Client({
      connection,
      namespace: 'default',
      dataConverter: productDataConverter(process.env, { demoKeyFile: false }),
    });
    const limits = intakeConfig();
    const dispatcher = new AlertDispatcher({
      client,
      taskQueue,
      rules: { policyFor: (ruleId) => plan.policyFor(ruleId) },
      analysts: [CHAOS_ANALYST],
      timeoutMs: limits.temporalTimeoutMs,
      maxInFlight: limits.maxInFlight,
      maxQueued: limits.maxQueued,
      correlationTimeoutMs: limits.correlationTimeoutMs,
    });

    const fleet = startWorkerFleet({
      count: options.workers,
      env: {
        ...standInGraphEnv(standIn),
        NODE_EXTRA_CA_CERTS: tls.certPath,
        SOC_TEST_TEMPORAL_ADDRESS: server.address,
        SOC_TEST_WORKFLOW_BUNDLE: bundle,
        TASK_QUEUE: taskQueue,
      },
      killMinMs: options.killMinSeconds * 1000,
      killMaxMs: options.killMaxSeconds * 1000,
      random,
      log,
    });
    cleanups.push(() => fleet.stop());
    await fleet.allReady(120_000);
    log(
      `Run ${plan.run}: ${options.alerts} alerts at ${options.alertsPerSecond}/s, ${options.workers} workers killed every ${options.killMinSeconds}–${options.killMaxSeconds} s, server kill ${options.serverKill ? `at ${Math.round(options.serverKillAt * 100)}% of the deliveries` : 'off'}, seed ${options.seed}`,
    );
    const faults = startFaultInjection(standIn, options.faultsPerSecond, random);
    cleanups.push(() => faults.stop());

    // ---- deliveries, people, the server kill ----
    const deliverySeconds = options.alerts / options.alertsPerSecond;
    const longestQuestionMs = (options.confirmationSeconds + options.confirmationJitterSeconds) * 1000;
    let runDeadline = Date.now() + deliverySeconds * 1000 + longestQuestionMs + options.settleSeconds * 1000 + 120_000;
    let stopped = false;
    const actorOptions = { client, until: () => runDeadline, stopped: () => stopped };
    const logs = new Map<string, CaseLog>();
    const actors: Promise<void>[] = [];
    const t0 = Date.now();
    let outage: [number, number] | undefined;
    const serverKill = options.serverKill
      ? sleep(options.serverKillAt * deliverySeconds * 1000).then(async () => {
          log('SIGKILL the Temporal server…');
          const { killedAt, restartedAt } = await server.crashAndRestart(options.serverDowntimeSeconds * 1000);
          outage = [killedAt, restartedAt];
          log(`Temporal server back after ${((restartedAt - killedAt) / 1000).toFixed(1)} s`);
        })
      : Promise.resolve();
    const progress = setInterval(
      () =>
        log(
          `  ${Math.round((Date.now() - t0) / 1000)} s: ${[...logs.values()].filter((l) => l.delivery.outcome).length}/${options.alerts} delivered, ${fleet.kills} worker kills, ${Object.values(faults.injected).reduce((a, b) => a + b, 0)} faults`,
        ),
      15_000,
    );
    cleanups.push(() => clearInterval(progress));

    const deliveries = plan.cases.map(async (item: PlannedCase) => {
      await sleep(t0 + (item.index / options.alertsPerSecond) * 1000 - Date.now());
      const caseLog: CaseLog = { delivery: { attempts: 0 } };
      logs.set(item.workflowId, caseLog);
      caseLog.delivery = await deliver(dispatcher, item, 180_000);
      if (!caseLog.delivery.outcome) return;
      actors.push(actAsUser(item, caseLog, actorOptions), actAsAnalyst(item, caseLog, actorOptions));
      if (item.redeliver) {
        await sleep(random.between(1000, 5000));
        caseLog.redelivery = await deliver(dispatcher, item, 180_000);
      }
    });
    await Promise.all(deliveries);
    await serverKill;
    // Chaos lasts until the last question's deadline has passed, so escalations are measured under it.
    await sleep(t0 + deliverySeconds * 1000 + longestQuestionMs + 10_000 - Date.now());
    fleet.calm();
    faults.stop();
    log(`Chaos over after ${Math.round((Date.now() - t0) / 1000)} s; waiting for the cases to settle…`);

    // ---- settle ----
    const settleStarted = Date.now();
    runDeadline = settleStarted + options.settleSeconds * 1000;
    let actorsFinished = false;
    void Promise.all(actors).then(() => (actorsFinished = true));
    const states = new Map<string, CaseState | undefined>();
    const acknowledged = plan.cases.filter((c) => logs.get(c.workflowId)?.delivery.outcome);
    for (;;) {
      const open = acknowledged.filter((c) => !settled(states.get(c.workflowId)));
      for (const c of open) states.set(c.workflowId, await readCase(client, c.workflowId));
      const unsettled = acknowledged.filter((c) => !settled(states.get(c.workflowId))).length;
      if ((unsettled === 0 && actorsFinished) || Date.now() > runDeadline) break;
      await sleep(2000);
    }
    const actorsDone = actorsFinished;
    stopped = true;
    await Promise.all(actors);
    const settleSeconds = Math.round((Date.now() - settleStarted) / 1000);

    // ---- observe ----
    const executions = new Map<string, number>();
    for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      executions.set(execution.workflowId, (executions.get(execution.workflowId) ?? 0) + 1);
    const cases: CaseOutcome[] = [];
    for (const planned of plan.cases) {
      const caseLog = logs.get(planned.workflowId) ?? { delivery: { attempts: 0 } };
      const description = caseLog.delivery.outcome
        ? await client.workflow
            .getHandle(planned.workflowId)
            .describe()
            .catch(() => undefined)
        : undefined;
      cases.push({
        planned,
        log: caseLog,
        executions: executions.get(planned.workflowId) ?? 0,
        status: description?.status.name,
        state: caseLog.delivery.outcome
          ? ((await readCase(client, planned.workflowId, 10_000)) ??
            // A closed case's result is its final state; no worker has to replay it.
            (description?.status.name === 'COMPLETED'
              ? ((await client.workflow
                  .getHandle(planned.workflowId)
                  .result()
                  .catch(() => undefined)) as CaseState | undefined)
              : undefined))
          : undefined,
      });
    }
    const planned = new Set(plan.cases.map((c) => c.workflowId));
    const invariants = checkInvariants({
      cases,
      strayWorkflows: [...executions.keys()].filter((id) => !planned.has(id)).length,
      effects: structuredClone(standIn.effects),
      world: standIn.snapshot(),
      outage,
      checkedAt: Date.now(),
      graceMs: options.graceSeconds * 1000,
    });
    const interactions = (pick: (l: CaseLog) => Interaction<string> | undefined) =>
      tally(
        cases
          .map((c) => pick(c.log))
          .filter(Boolean)
          .map((i) => `${i!.value} ${i!.result}`),
      );
    const lateness = invariants.escalationLateness.outsideOutage;
    return {
      run: plan.run,
      options,
      startedAt: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      plan: {
        ...tally(plan.cases.map((c) => c.catalogPolicy.mode)),
        preContained: plan.cases.filter((c) => c.preContained).length,
        redeliveries: plan.cases.filter((c) => c.redeliver).length,
        ...tally(plan.cases.map((c) => c.answer && `answer ${c.answer.answer}`).filter(Boolean)),
        ...tally(plan.cases.map((c) => c.decision && `decision ${c.decision}`).filter(Boolean)),
      },
      chaos: {
        workerKills: fleet.kills,
        workerStarts: fleet.starts,
        workerFailedStarts: fleet.failedStarts,
        faultsInjected: faults.injected,
        faultsServed: standIn.log.filter((e) => e.fault).length,
        ...(outage
          ? {
              serverOutage: {
                killedAt: new Date(outage[0]).toISOString(),
                restartedAt: new Date(outage[1]).toISOString(),
                seconds: +((outage[1] - outage[0]) / 1000).toFixed(1),
              },
            }
          : {}),
      },
      deliveries: tally(cases.map((c) => c.log.delivery.outcome ?? 'not acknowledged')),
      redeliveries: tally(cases.filter((c) => c.log.redelivery).map((c) => c.log.redelivery!.outcome)),
      answers: interactions((l) => l.answer),
      decisions: interactions((l) => l.decision),
      settled: {
        all: acknowledged.every((c) => settled(states.get(c.workflowId))),
        unsettled: acknowledged.filter((c) => !settled(states.get(c.workflowId))).length,
        seconds: settleSeconds,
        actorsDone,
        examples: acknowledged
          .filter((c) => !settled(states.get(c.workflowId)))
          .slice(0, 5)
          .map((c) => {
            const state = states.get(c.workflowId);
            return `${c.workflowId}: ${state ? `${state.triageState}, ${state.escalations.length} escalations` : 'unreadable'}`;
          }),
      },
      strayWorkflows: [...executions.keys()].filter((id) => !planned.has(id)).length,
      invariants,
      ok: Object.values(invariants.counts).every((n) => n === 0) && lateness.p99Ms < LATENESS_GOAL_MS,
    };
  } finally {
    await cleanup();
  }
}
