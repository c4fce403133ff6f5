/**
 * `npm run bench:history`: runs each triage path to its end on a time-skipping server and prints how many history
 * events it took, against the budgets (confirm-with-user ≤ 70, auto-contain ≤ 60). Short histories keep replays on
 * wake-up cheap. Writes bench-results/history.json.
 */
import { ensureEphemeralCodecKeys, failureConverterPath, productDataConverter } from '../client/codec';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInMemoryPorts } from '../activities/in-memory/ports';
import { demoSeed } from '../activities/in-memory/seed';
import { World } from '../activities/in-memory/world';
import { parseAlert } from '../common/alert';
import { parsePolicy, type RulePolicyInput } from '../common/policy';
import { createTriageWorker } from '../workers/worker';
import { analystDecisionUpdate, answerQuestionUpdate } from '../common/messages/triage';
import { projectRoot, startTimeSkippingEnvironment } from './servers';
import { workflowTypes } from '../common/workflow-types';

const ANALYST = 'aaaaaaaa-0000-4000-8000-000000000001';
const USER = 'jdoe@contoso.example';

interface Path {
  name: string;
  route: 'confirm-with-user' | 'auto-contain' | 'analyst';
  policy: RulePolicyInput;
  steps: (handle: WorkflowHandle, sleep: (ms: number) => Promise<void>) => Promise<void>;
}

/**
 * Waits until the case waits on its next timer with `predicate` true. Reads history rather than querying: on the
 * test server a query can add workflow tasks to the very history being measured.
 */
async function until(handle: WorkflowHandle, predicate: (events: string[]) => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const events = ((await handle.fetchHistory()).events ?? []).map(
      (e) => temporal.api.enums.v1.EventType[e.eventType!] ?? '',
    );
    if (events.at(-1) === 'EVENT_TYPE_TIMER_STARTED' && predicate(events)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('case did not reach the expected state');
}

const completedActivities = (events: string[]) =>
  events.filter((e) => e === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED').length;
/** Enrichment, then the question. */
const asked = (events: string[]) => completedActivities(events) >= 2;
/** The last activity before an analyst wait is the escalation. */
const escalated = () => true;
const decide = async (
  handle: WorkflowHandle,
  decision: 'close-benign' | 'close-false-positive' | 'close-true-positive',
) => {
  await handle.executeUpdate(analystDecisionUpdate, { args: [{ analystId: ANALYST, decision }] });
};
const answer = async (handle: WorkflowHandle, a: 'it-was-me' | 'it-was-not-me') => {
  await handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: USER, answer: a }] });
};

const confirm: RulePolicyInput = {
  mode: 'confirm-with-user',
  containmentActions: ['disable-account', 'revoke-sessions'],
  containOnUserDenial: true,
};
const autoContain: RulePolicyInput = {
  mode: 'auto-contain',
  containmentActions: ['disable-account', 'revoke-sessions', 'isolate-host', 'block-ip'],
};

const paths: Path[] = [
  {
    name: 'user says "it was me" → closed',
    route: 'confirm-with-user',
    policy: confirm,
    steps: async (h) => (await until(h, asked), await answer(h, 'it-was-me')),
  },
  {
    name: 'no response → escalated → analyst closes',
    route: 'confirm-with-user',
    policy: confirm,
    steps: async (h, sleep) => {
      await until(h, asked);
      await sleep(31 * 60_000);
      await until(h, (events) => completedActivities(events) >= 4);
      await decide(h, 'close-benign');
    },
  },
  {
    name: 'user says "not me" → contained → analyst closes',
    route: 'confirm-with-user',
    policy: confirm,
    steps: async (h) => {
      await until(h, asked);
      await answer(h, 'it-was-not-me');
      await until(h, (events) => completedActivities(events) >= 5);
      await decide(h, 'close-true-positive');
    },
  },
  {
    name: '4 actions contained → analyst closes',
    route: 'auto-contain',
    policy: autoContain,
    steps: async (h) => (await until(h, escalated), await decide(h, 'close-true-positive')),
  },
  {
    name: '4 actions contained → false positive, undone',
    route: 'auto-contain',
    policy: autoContain,
    steps: async (h) => (await until(h, escalated), await decide(h, 'close-false-positive')),
  },
];

// Each containment reads its prior states in a step of its own (3 events) and each decision replaces the SOC card (3).
const budgets = { 'confirm-with-user': 70, 'auto-contain': 60, analyst: 70 } as const;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  ensureEphemeralCodecKeys();
  const dataConverter = productDataConverter(process.env, { demoKeyFile: false });
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath,
    logger: new DefaultLogger('WARN'),
  });
  const { env, teardown } = await startTimeSkippingEnvironment({ dataConverter });
  const rows: { path: string; route: string; events: number; budget: number; withinBudget: boolean }[] = [];
  try {
    for (const [i, path] of paths.entries()) {
      const taskQueue = `bench-history-${i}`;
      const worker = await createTriageWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue,
        ports: createInMemoryPorts(World.create(demoSeed())),
        dataConverter,
        workflowBundle: { code },
      });
      const alert = parseAlert({
        source: 'generic',
        sourceAlertId: `bench-${i}-${Date.now()}`,
        ruleId: 'bench',
        ruleName: 'Bench rule',
        severity: 'high',
        detectedAt: new Date().toISOString(),
        title: 'Benchmark alert',
        entities: { userPrincipalName: USER, host: 'laptop-jdoe.contoso.example', sourceIp: '203.0.113.50' },
      });
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(workflowTypes.triage, {
          workflowId: `bench-history-${i}-${Date.now()}`,
          taskQueue,
          args: [
            { alert, policy: parsePolicy(path.policy), analysts: [ANALYST], receivedAt: new Date().toISOString() },
          ],
        });
        await path.steps(handle, (ms) => env.sleep(ms));
        await handle.result();
        const history = await handle.fetchHistory();
        const events = history.events?.length ?? 0;
        if (process.env.VERBOSE) {
          console.log(
            path.name,
            (history.events ?? [])
              .map((e) => temporal.api.enums.v1.EventType[e.eventType!]?.replace('EVENT_TYPE_', ''))
              .join(' '),
          );
        }
        rows.push({
          path: path.name,
          route: path.route,
          events,
          budget: budgets[path.route],
          withinBudget: events <= budgets[path.route],
        });
      });
    }
  } finally {
    await teardown();
  }
  console.log('\nHistory events per alert, run to completion\n');
  console.log(`${'path'.padEnd(50)} ${'route'.padEnd(18)} events  budget`);
  for (const r of rows)
    console.log(
      `${r.path.padEnd(50)} ${r.route.padEnd(18)} ${String(r.events).padStart(6)}  ${String(r.budget).padStart(6)} ${r.withinBudget ? '' : '  OVER'}`,
    );
  mkdirSync(join(projectRoot, 'bench-results'), { recursive: true });
  writeFileSync(
    join(projectRoot, 'bench-results', 'history.json'),
    JSON.stringify({ measuredAt: new Date().toISOString(), rows }, null, 2),
  );
  console.log('\nwritten to bench-results/history.json');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
