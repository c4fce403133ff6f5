import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { triageWorkflowId } from '../../common/alert';
import { staticCatalog } from '../../common/rules';
import type { CaseState } from '../../common/triage';
import { correlationGateIdOf } from '../../client/intake/correlation';
import { submitAlert } from '../../client/triage-client';
import type { correlationGateWorkflow } from '../../workflows/correlation/workflow';
import { claimCaseUpdate } from '../../common/messages/correlation';
import { workflowTypes } from '../../common/workflow-types';
import { analystDecisionUpdate } from '../../common/messages/triage';
import { ANALYST, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { recordHistory } from '../harness/histories';
import {
  connectDevServer,
  terminateRunning,
  triageWorker,
  uniqueTaskQueue,
  type DevServerHarness,
} from '../harness/temporal';
import { deliver, startTestIntake, type TestIntake } from '../harness/intake';

/**
 * Correlation of alerts of the same rule and user through the correlation gate, seen from the senders: exact across
 * two intake replicas, never a refusal when the gate cannot answer, healing after a claimant that never started its
 * case, and a new case once the open one has closed.
 */

const rules = Array.from({ length: 4 }, (_, i) => `corr-rule-${i}-${randomUUID().slice(0, 8)}`);
const catalog = staticCatalog(Object.fromEntries(rules.map((rule) => [rule, { mode: 'confirm-with-user' as const }])));
const USER = 'jdoe@contoso.example';
// Short where the gate is meant not to answer; generous elsewhere, so a busy machine does not look like a dead gate.
const CORRELATION_TIMEOUT_MS = 1_000;
const GENEROUS_TIMEOUT_MS = 30_000;

let temporal: DevServerHarness;
let world: World;
let worker: Worker;
let running: Promise<void>;
let replicas: TestIntake[];
let impatient: TestIntake[];
const taskQueue = uniqueTaskQueue('intake-correlation');
const idleQueue = uniqueTaskQueue('intake-correlation-no-worker');

beforeAll(async () => {
  temporal = await connectDevServer();
  world = World.create(demoSeed());
  worker = await triageWorker(temporal.nativeConnection, taskQueue, createInMemoryPorts(world));
  running = worker.run();
  const replica = (correlationTimeoutMs: number) =>
    startTestIntake({
      client: temporal.client,
      taskQueue,
      rules: catalog,
      config: { correlationTimeoutMs, temporalTimeoutMs: 2 * correlationTimeoutMs + 5_000 },
    });
  replicas = [await replica(GENEROUS_TIMEOUT_MS), await replica(GENEROUS_TIMEOUT_MS)];
  impatient = [await replica(CORRELATION_TIMEOUT_MS), await replica(CORRELATION_TIMEOUT_MS)];
});

afterAll(async () => {
  await Promise.all([...(replicas ?? []), ...(impatient ?? [])].map((r) => r.close()));
  await terminateRunning(temporal.client, taskQueue);
  await terminateRunning(temporal.client, idleQueue);
  worker?.shutdown();
  await running;
  await temporal?.teardown();
});

const instance = `corr-${randomUUID().slice(0, 8)}`;
const alert = (ruleId: string, id: string, user = USER) => ({
  sourceInstance: instance,
  sourceAlertId: id,
  ruleId,
  ruleName: 'Correlated rule',
  severity: 'high',
  detectedAt: new Date().toISOString(),
  title: 'Sign-in from two countries',
  entities: { userPrincipalName: user },
});
const workflowIdOf = (id: string) =>
  triageWorkflowId({ source: 'generic', sourceInstance: instance, sourceAlertId: id });
const gateOf = (ruleId: string) => correlationGateIdOf({ ruleId, entities: { userPrincipalName: USER } }, taskQueue)!;

async function send(replica: TestIntake, ruleId: string, id: string) {
  const answer = await deliver(replica, 'generic', { body: alert(ruleId, id) });
  return { statusCode: answer.statusCode, ...answer.json().results[0]! };
}

const caseOf = (workflowId: string, predicate: (s: CaseState) => boolean, what: string) =>
  waitForCase(temporal.client.workflow.getHandle(workflowId), predicate, what);
const asked = (workflowId: string) => caseOf(workflowId, (s) => s.question?.messageRef !== undefined, 'the question');
const questionsFor = (workflowId: string) => world.data.questions.filter((q) => q.workflowId === workflowId);

test('two intake replicas receiving alerts of the same rule and user at once open exactly one case', async () => {
  const [rule] = rules;
  const ids = Array.from({ length: 6 }, (_, i) => `twin-${i}`);
  const answers = await Promise.all(ids.map((id, i) => send(replicas[i % 2]!, rule!, id)));

  expect(answers.map((a) => a.statusCode)).toEqual(ids.map(() => 202));
  const started = answers.filter((a) => a.outcome === 'started');
  expect(started).toHaveLength(1);
  const open = started[0]!.workflowId!;
  expect(answers.filter((a) => a.outcome === 'related').map((a) => a.workflowId)).toEqual(ids.slice(1).map(() => open));

  await asked(open);
  const state = await caseOf(open, (s) => s.relatedAlerts.length === 5, 'the related alerts');
  expect(state.relatedAlerts.map((r) => r.kind)).toEqual(ids.slice(1).map(() => 'related'));
  expect(questionsFor(open)).toHaveLength(1);
  expect(world.data.questions.filter((q) => q.alert.ruleId === rule)).toHaveLength(1);
});

test('a gate that cannot answer in time never refuses an alert: each alert starts its own case', async () => {
  const rule = rules[1]!;
  // The rule and user's gate is running where no worker polls, so no claim can complete.
  await temporal.client.workflow.start<typeof correlationGateWorkflow>(workflowTypes.correlationGate, {
    workflowId: gateOf(rule),
    taskQueue: idleQueue,
    args: [{}],
  });

  const startedAt = Date.now();
  const first = await send(impatient[0]!, rule, 'stuck-1');
  const second = await send(impatient[1]!, rule, 'stuck-2');

  expect([first, second]).toEqual([
    expect.objectContaining({ statusCode: 202, outcome: 'started', workflowId: workflowIdOf('stuck-1') }),
    expect.objectContaining({ statusCode: 202, outcome: 'started', workflowId: workflowIdOf('stuck-2') }),
  ]);
  // Each waited for the correlation deadline, not for the intake's Temporal deadline.
  expect(Date.now() - startedAt).toBeLessThan(2 * CORRELATION_TIMEOUT_MS + 3_000);
  await asked(first.workflowId!);
  await asked(second.workflowId!);
});

test('a claimed case that was never started does not hold the user: the next alert starts a case and others join it', async () => {
  const rule = rules[2]!;
  const neverStarted = workflowIdOf('crashed-before-start');
  // What an intake that crashed between claiming and starting leaves behind.
  await temporal.client.workflow.executeUpdateWithStart(claimCaseUpdate, {
    args: [{ workflowId: neverStarted }],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof correlationGateWorkflow>(
      workflowTypes.correlationGate,
      {
        workflowId: gateOf(rule),
        taskQueue,
        args: [{}],
        workflowIdConflictPolicy: 'USE_EXISTING',
      },
    ),
  });

  const next = await send(replicas[0]!, rule, 'after-crash');
  expect(next).toMatchObject({ statusCode: 202, outcome: 'started', workflowId: workflowIdOf('after-crash') });
  await asked(next.workflowId!);
  expect(await send(replicas[1]!, rule, 'after-crash-2')).toMatchObject({
    outcome: 'related',
    workflowId: next.workflowId,
  });
});

test('once the open case closes, the gate completes and the next alert of the same rule and user starts a new case', async () => {
  const rule = rules[3]!;
  const first = await send(replicas[0]!, rule, 'before-close');
  expect(first).toMatchObject({ statusCode: 202, outcome: 'started' });
  await asked(first.workflowId!);
  expect(await send(replicas[1]!, rule, 'joins')).toMatchObject({ outcome: 'related', workflowId: first.workflowId });
  const gate = temporal.client.workflow.getHandle(gateOf(rule));
  const { runId } = await gate.describe();

  const firstCase = temporal.client.workflow.getHandle(first.workflowId!);
  await firstCase.executeUpdate(analystDecisionUpdate, { args: [{ analystId: ANALYST, decision: 'close-benign' }] });
  await firstCase.result();
  await recordHistory('case that frees its correlation gate', firstCase);
  const firstRun = temporal.client.workflow.getHandle(gate.workflowId, runId);
  await firstRun.result();
  await recordHistory('correlation gate', firstRun);

  const after = await send(replicas[1]!, rule, 'after-close');
  expect(after).toMatchObject({ statusCode: 202, outcome: 'started', workflowId: workflowIdOf('after-close') });
  expect(after.workflowId).not.toBe(first.workflowId);
  await asked(after.workflowId!);
  expect(questionsFor(after.workflowId!)).toHaveLength(1);
});

test('a case whose correlation gate is gone closes as usual', async () => {
  const { workflowId } = await submitAlert(temporal.client, {
    alert: makeAlert({ sourceInstance: instance, ruleId: rules[0]! }),
    policy: catalog.policyFor(rules[0]!),
    analysts: [ANALYST],
    taskQueue,
    correlationGateId: `soc-correlation-gone-${randomUUID()}`,
  });
  const handle = temporal.client.workflow.getHandle(workflowId);
  await asked(workflowId);
  await handle.executeUpdate(analystDecisionUpdate, { args: [{ analystId: ANALYST, decision: 'close-benign' }] });

  expect(await handle.result()).toMatchObject({ triageState: 'closed', disposition: 'benign-positive' });
  expect((await handle.describe()).status.name).toBe('COMPLETED');
});
