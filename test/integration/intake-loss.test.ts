import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { signBody } from '../../client/intake/auth';
import { staticCatalog } from '../../common/rules';
import { freePort, startDevServer } from '../../scripts/servers';
import { quietRuntime, testDataConverter, uniqueTaskQueue } from '../harness/temporal';
import {
  deliver,
  fixtureJson,
  fixtures,
  request,
  startTestIntake,
  type Delivery,
  type TestIntake,
} from '../harness/intake';

/**
 * With the Temporal server stopped, every delivery gets 503 + Retry-After and nothing is acknowledged; after it
 * returns, the senders' retries succeed and each alert has exactly one workflow. Uses a dev server of its own, on a
 * fixed port and a database file, so it can be stopped and started again with its data.
 */

const HMAC_SECRET = 'loss-test-hmac-secret-0123';
let dir: string;
let port: number;
let server: TestWorkflowEnvironment | undefined;
let connection: Connection;
let client: Client;
let intake: TestIntake;
const taskQueue = uniqueTaskQueue('intake-loss');

function startServer(): Promise<TestWorkflowEnvironment> {
  return startDevServer({ port, dbFilename: join(dir, 'temporal.db') });
}

beforeAll(async () => {
  quietRuntime();
  dir = mkdtempSync(join(tmpdir(), 'soc-intake-loss-'));
  port = await freePort();
  server = await startServer();
  // Lazy: the intake's connection outlives the server and reconnects when it returns.
  connection = await Connection.lazy({ address: `127.0.0.1:${port}` });
  client = new Client({ connection, dataConverter: testDataConverter() });
  intake = await startTestIntake({
    client,
    taskQueue,
    rules: staticCatalog({}),
    config: { temporalTimeoutMs: 1_500, retryAfterSeconds: 2, auth: { ocsf: { method: 'hmac', secret: HMAC_SECRET } } },
  });
});

afterAll(async () => {
  await intake?.close();
  await connection?.close();
  await server?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

const alert = (id: string) => ({
  sourceAlertId: id,
  ruleId: 'loss-test',
  ruleName: 'Loss test',
  severity: 'medium',
  detectedAt: new Date().toISOString(),
  title: 'An alert that must not be lost',
  entities: { userPrincipalName: `${id}@example.com` },
});

test('Temporal down: 503 + Retry-After, nothing acknowledged; back up: retries succeed, one workflow per alert', async () => {
  const instance = `instance=loss-${randomUUID().slice(0, 8)}`;
  const before = ['a-1', 'a-2', 'a-3'];
  for (const id of before)
    expect((await deliver(intake, 'generic', { body: alert(id), query: instance })).statusCode).toBe(202);

  await server!.teardown();
  server = undefined;

  const during = ['b-1', 'b-2', 'b-3'];
  const finding = fixtureJson<Record<string, unknown>>(fixtures.ocsf);
  const signedBody = JSON.stringify({
    ...finding,
    finding_info: { ...(finding.finding_info as object), uid: `f-${randomUUID()}` },
  });
  const signed: Delivery = { body: signedBody, headers: signBody(HMAC_SECRET, signedBody), query: instance };
  const batch: Delivery = { body: [alert('c-1'), alert('c-2')], query: instance };
  const deliveries: [string, Delivery][] = [
    ...[...before, ...during].map((id): [string, Delivery] => ['generic', { body: alert(id), query: instance }]),
    ['generic', batch],
    ['ocsf', signed],
  ];

  const refused = await Promise.all(deliveries.map(([source, delivery]) => deliver(intake, source, delivery)));
  for (const answer of refused) {
    expect([answer.statusCode, answer.headers.get('retry-after'), answer.json().status]).toEqual([
      503,
      '2',
      'unavailable',
    ]);
    expect(answer.json().results.every((r) => r.outcome === 'failed' && r.error === 'temporal_unavailable')).toBe(true);
  }
  const notReady = await request(intake, '/readyz');
  expect([notReady.statusCode, notReady.headers.get('retry-after')]).toEqual([503, '2']);

  server = await startServer();
  // A sender retries after Retry-After; here: until the intake says it is ready again.
  for (let attempt = 0; (await request(intake, '/readyz')).statusCode !== 200; attempt++) {
    if (attempt > 60) throw new Error('the intake did not become ready after the Temporal server returned');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  const outcomes: string[][] = [];
  for (const [source, delivery] of deliveries) {
    const answer = await deliver(intake, source, delivery);
    expect(answer.statusCode).toBeLessThan(300);
    outcomes.push(answer.json().results.map((r) => r.outcome));
  }
  // Accepted before the outage: duplicates now. Refused during it: started now, including the signed retry.
  expect(outcomes).toEqual([
    ['duplicate'],
    ['duplicate'],
    ['duplicate'],
    ['started'],
    ['started'],
    ['started'],
    ['started', 'started'],
    ['started'],
  ]);

  const expected = 3 + 3 + 2 + 1;
  const query = `TaskQueue = '${taskQueue}'`;
  for (let attempt = 0; (await client.workflow.count(query)).count < expected; attempt++) {
    if (attempt > 100) throw new Error('visibility did not list the workflows');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  expect(ids).toHaveLength(expected);
  expect(new Set(ids).size).toBe(expected);
});
