import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { createDefenderFeedActivities, InMemoryDefenderFeed } from '../activities/defender-feed';
import { createActivities } from '../activities';
import { createInMemoryPorts } from '../activities/in-memory/ports';
import { demoSeed } from '../activities/in-memory/seed';
import { World } from '../activities/in-memory/world';
import { AlertDispatcher } from '../client/intake/dispatch';
import { startDefenderPolling } from '../client/intake/defender-polling';
import { triageWorkflowId } from '../common/alert';
import { staticCatalog } from '../common/rules';
import { defenderPollStatusQuery, pollDefenderNowSignal } from '../workflows/defender-poll';
import { waitForCase } from './harness/cases';
import { ANALYST } from './harness/alerts';
import { connectDevServer, uniqueTaskQueue, workflowBundle, type DevServerHarness } from './harness/temporal';
import { fixtureJson, fixtures } from './intake-support';

/** Defender XDR alerts are pulled by a poll workflow and land in triage like pushed ones. */

let temporal: DevServerHarness;
let worker: Worker;
let running: Promise<void>;
const feed = new InMemoryDefenderFeed(2);
const taskQueue = uniqueTaskQueue('intake-defender');
const tenant = `tenant-${randomUUID()}`;

beforeAll(async () => {
  temporal = await connectDevServer();
  const dispatcher = new AlertDispatcher({
    client: temporal.client,
    taskQueue,
    rules: staticCatalog({ '7f1e3c2d-5b4a-4e69-8d70-1a2b3c4d5e6f': { mode: 'confirm-with-user' } }),
    analysts: [ANALYST],
    timeoutMs: 10_000,
    maxInFlight: 8,
    maxQueued: 100,
  });
  worker = await Worker.create({
    connection: temporal.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: {
      ...createActivities(createInMemoryPorts(World.create(demoSeed()))),
      ...createDefenderFeedActivities({ feed, dispatcher, upnSuffix: 'example.com' }),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  for await (const execution of temporal.client.workflow.list({
    query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
  })) {
    await temporal.client.workflow
      .getHandle(execution.workflowId)
      .terminate('test finished')
      .catch(() => undefined);
  }
  worker?.shutdown();
  await running;
  await temporal?.teardown();
});

test('the poll workflow starts one case per Defender alert, answers a re-listed alert as a duplicate, closes a resolved one', async () => {
  const graphAlert = { ...fixtureJson<Record<string, unknown>>(fixtures.defender), tenantId: tenant };
  const second = { ...graphAlert, id: `da-${randomUUID()}`, evidence: [] };
  feed.publish(graphAlert, second, { id: 'broken', createdDateTime: 'not a time' });

  const poller = await startDefenderPolling(temporal.client, { taskQueue, intervalMs: 60_000, tenant });
  // Starting again (a restarted worker) keeps the one running poller.
  expect(
    (await startDefenderPolling(temporal.client, { taskQueue, intervalMs: 60_000, tenant })).firstExecutionRunId,
  ).toBe(poller.firstExecutionRunId);

  const idOf = (alert: Record<string, unknown>) =>
    triageWorkflowId({ source: 'defender', sourceInstance: tenant, sourceAlertId: alert.id as string });
  const first = await waitForCase(
    temporal.client.workflow.getHandle(idOf(graphAlert)),
    (s) => s.question?.messageRef !== undefined,
    'the question',
  );
  expect(first.alert).toMatchObject({
    source: 'defender',
    ruleId: '7f1e3c2d-5b4a-4e69-8d70-1a2b3c4d5e6f',
    severity: 'high',
    entities: { userPrincipalName: 'jdoe@example.com', host: 'ws-0142.corp.example.com', sourceIp: '203.0.113.45' },
  });
  await waitForCase(temporal.client.workflow.getHandle(idOf(second)), () => true, 'the second case');

  // The poller pages through (page size 2) and then waits for the interval; a signal polls at once.
  const waitForStatus = async (predicate: (s: Awaited<ReturnType<typeof status>>) => boolean) => {
    for (let attempt = 0; ; attempt++) {
      const current = await status();
      if (predicate(current)) return current;
      if (attempt > 200) throw new Error(`poller status never matched: ${JSON.stringify(current)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const status = () => poller.query(defenderPollStatusQuery);
  expect(await waitForStatus((s) => s.cursor === '3')).toMatchObject({ accepted: 2, rejected: 1, duplicates: 0 });

  feed.publish(graphAlert, { ...graphAlert, status: 'resolved', lastUpdateDateTime: '2026-11-02T15:00:00Z' });
  await poller.signal(pollDefenderNowSignal);
  expect(await waitForStatus((s) => s.cursor === '5')).toMatchObject({ accepted: 3, duplicates: 1, rejected: 1 });

  const state = await waitForCase(
    temporal.client.workflow.getHandle(idOf(graphAlert)),
    (s) => s.relatedAlerts.length === 2,
    'the redelivery and the close',
  );
  expect(state.relatedAlerts.map((r) => r.kind).sort()).toEqual(['close', 'redelivery']);
});
