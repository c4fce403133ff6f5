import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import type { CaseState } from '../../common/triage';
import {
  connectDevServer,
  triageWorker,
  uniqueTaskQueue,
  type DevServerHarness,
  terminateRunning,
} from '../harness/temporal';
import { waitForCase } from '../harness/cases';
import {
  captureLogs,
  deliver,
  fixtureJson,
  fixtures,
  fixtureText,
  request,
  startTestIntake,
  type Delivery,
  type LogCapture,
  type TestIntake,
} from '../harness/intake';

/**
 * Deliveries through a real intake to the dev server, with a triage worker on in-memory ports: what a SIEM sees in
 * the HTTP answer, and what lands in the cases.
 */

let temporal: DevServerHarness;
let intake: TestIntake;
let world: World;
let worker: Worker;
let running: Promise<void>;
let logs: LogCapture;
let starts: jest.SpyInstance;
const taskQueue = uniqueTaskQueue('intake-delivery');

beforeAll(async () => {
  temporal = await connectDevServer();
  world = World.create(demoSeed());
  worker = await triageWorker(temporal.nativeConnection, taskQueue, createInMemoryPorts(world));
  running = worker.run();
  logs = captureLogs();
  intake = await startTestIntake({
    client: temporal.client,
    taskQueue,
    logs,
    config: { maxAlertsPerDelivery: 100, bodyLimitBytes: 256 * 1024 },
  });
  starts = jest.spyOn(temporal.client.workflow, 'start');
});

afterAll(async () => {
  await intake?.close();
  await terminateRunning(temporal.client, taskQueue);
  worker?.shutdown();
  await running;
  await temporal?.teardown();
});

/** Each test delivers as its own sending instance, so fixtures reused across tests are distinct alerts. */
const newInstance = () => `instance=t-${randomUUID().slice(0, 8)}`;

async function caseOf(
  workflowId: string,
  predicate: (s: CaseState) => boolean = () => true,
  what?: string,
): Promise<CaseState> {
  return waitForCase(temporal.client.workflow.getHandle(workflowId), predicate, what);
}

const questionsFor = (workflowId: string) => world.data.questions.filter((q) => q.workflowId === workflowId);

/** Delivers and checks that a refused delivery started no workflow. */
async function send(source: string, delivery: Delivery) {
  const before = starts.mock.calls.length;
  const answer = await deliver(intake, source, delivery);
  if (answer.statusCode >= 400) expect(starts.mock.calls.length).toBe(before);
  return answer;
}

test('Splunk: 202 with the case; a redelivery is 200 duplicate, lands in the same case, and the user is asked once', async () => {
  const query = newInstance();
  const first = await send('splunk', { body: fixtureText(fixtures.splunk), query });
  expect(first.statusCode).toBe(202);
  const [result] = first.json().results;
  expect(result).toMatchObject({ outcome: 'started', workflowId: expect.stringMatching(/^triage:splunk:t-/) });

  const again = await send('splunk', { body: fixtureText(fixtures.splunk), query });
  expect(again.statusCode).toBe(200);
  expect(again.json()).toMatchObject({
    status: 'duplicate',
    results: [{ outcome: 'duplicate', workflowId: result!.workflowId }],
  });

  const state = await caseOf(
    result!.workflowId!,
    (s) => s.relatedAlerts.length === 1 && s.question?.messageRef !== undefined,
    'the redelivery and the question',
  );
  expect(state.relatedAlerts[0]).toMatchObject({ kind: 'redelivery', sourceAlertId: result!.sourceAlertId });
  expect(state.alert.entities).toEqual({
    userPrincipalName: 'jdoe@example.com',
    host: 'bastion-01',
    sourceIp: '203.0.113.45',
  });
  expect(questionsFor(result!.workflowId!)).toHaveLength(1);

  // The second row of the same run is a different alert (and another user): its own case.
  const second = await send('splunk', { body: fixtureText(fixtures.splunkSecondRow), query });
  expect(second.json().results[0]).toMatchObject({ outcome: 'started' });
  expect(second.json().results[0]!.workflowId).not.toBe(result!.workflowId);
});

test('Elastic: two alerts fan out with one result each; the same alerts with nested keys are duplicates', async () => {
  const query = newInstance();
  const delivery = fixtureJson<{ alerts: Record<string, unknown>[] }>(fixtures.elastic);
  const first = await send('elastic', { body: delivery, query });
  expect(first.statusCode).toBe(202);
  expect(first.json().results.map((r) => [r.index, r.outcome])).toEqual([
    [0, 'started'],
    [1, 'started'],
  ]);
  const nested = {
    ...delivery,
    alerts: delivery.alerts.map((alert) => {
      const {
        'kibana.alert.uuid': uuid,
        'kibana.alert.rule.rule_id': ruleId,
        'kibana.alert.rule.name': name,
        ...rest
      } = alert;
      return { ...rest, kibana: { alert: { uuid, rule: { rule_id: ruleId, name } } } };
    }),
  };
  const again = await send('elastic', { body: nested, query });
  expect(again.statusCode).toBe(200);
  expect(again.json().results.map((r) => [r.outcome, r.workflowId])).toEqual(
    first.json().results.map((r) => ['duplicate', r.workflowId]),
  );
});

test('Sentinel: Create starts the case; Update is a signal to it (no new workflow); Update of an unknown incident starts one', async () => {
  const query = newInstance();
  const incident = fixtureJson<Record<string, unknown>>(fixtures.sentinel);
  const created = await send('sentinel', { body: incident, query });
  const workflowId = created.json().results[0]!.workflowId!;
  expect(created.statusCode).toBe(202);

  const startsBefore = starts.mock.calls.length;
  const updated = await send('sentinel', {
    body: { ...incident, objectEventType: 'Update', eventUniqueId: randomUUID() },
    query,
  });
  expect(updated.statusCode).toBe(202);
  expect(updated.json().results[0]).toMatchObject({ outcome: 'updated', workflowId });
  expect(starts.mock.calls.length).toBe(startsBefore);
  const state = await caseOf(workflowId, (s) => s.relatedAlerts.some((r) => r.kind === 'update'), 'the update');
  expect(state.relatedAlerts.map((r) => r.kind)).toEqual(['update']);

  // (For another user: an unknown incident of the same rule and user would join the open case instead.)
  const unknown = structuredClone(incident) as {
    objectEventType: string;
    object: { name: string; properties: { relatedEntities: { kind: string; properties: Record<string, unknown> }[] } };
  };
  unknown.objectEventType = 'Update';
  unknown.object.name = randomUUID();
  Object.assign(unknown.object.properties.relatedEntities.find((e) => e.kind === 'Account')!.properties, {
    accountName: 'asmith',
    aadUserId: undefined,
    sid: undefined,
  });
  const started = (await send('sentinel', { body: unknown, query })).json().results[0]!;
  expect(started).toMatchObject({ outcome: 'started' });
  expect((await caseOf(started.workflowId!)).alert.entities.userPrincipalName).toBe('asmith@example.com');
});

test('OCSF: JSON and NDJSON; activity 2 updates and 3 closes the existing case; a close of an unknown finding is ignored', async () => {
  const query = newInstance();
  const created = await send('ocsf', { body: fixtureText(fixtures.ocsf), query });
  const workflowId = created.json().results[0]!.workflowId!;
  expect(created.json().results[0]!.outcome).toBe('started');

  const batch = await send('ocsf', {
    body: fixtureText(fixtures.ocsfBatch),
    contentType: 'application/x-ndjson',
    query,
  });
  expect(batch.statusCode).toBe(202);
  expect(batch.json().results.map((r) => r.outcome)).toEqual(['duplicate', 'started']);
  expect(batch.json().results[0]!.workflowId).toBe(workflowId);

  const finding = fixtureJson<Record<string, unknown>>(fixtures.ocsf);
  expect((await send('ocsf', { body: { ...finding, activity_id: 2 }, query })).json().results[0]).toMatchObject({
    outcome: 'updated',
    workflowId,
  });
  expect((await send('ocsf', { body: { ...finding, activity_id: 3 }, query })).json().results[0]).toMatchObject({
    outcome: 'closed',
    workflowId,
  });
  const state = await caseOf(workflowId, (s) => s.relatedAlerts.some((r) => r.kind === 'close'), 'the close');
  expect(state.relatedAlerts.map((r) => r.kind)).toEqual(['redelivery', 'update', 'close']);

  const stranger = {
    ...finding,
    activity_id: 3,
    actor: { user: { name: 'ghost' } },
    finding_info: { ...(finding.finding_info as object), uid: randomUUID() },
  };
  const unknownClose = await send('ocsf', { body: stranger, query });
  expect([unknownClose.statusCode, unknownClose.json().results[0]!.outcome]).toEqual([200, 'ignored']);
});

test('an alert for the same rule and user as an open case attaches to it as related; the user is not asked again', async () => {
  const instance = `corr-${randomUUID().slice(0, 8)}`;
  const alert = (id: string, user: string) => ({
    sourceInstance: instance,
    sourceAlertId: id,
    ruleId: 'impossible-travel',
    ruleName: 'Impossible travel',
    severity: 'high',
    detectedAt: new Date().toISOString(),
    title: 'Sign-in from two countries',
    entities: { userPrincipalName: user },
  });
  const first = (await send('generic', { body: alert('a-1', 'jdoe@contoso.example') })).json().results[0]!;
  await caseOf(first.workflowId!, (s) => s.question?.messageRef !== undefined, 'the question');

  // Two more for jdoe at once, one for someone else.
  const [second, third, other] = await Promise.all([
    send('generic', { body: alert('a-2', 'JDoe@contoso.example') }),
    send('generic', { body: alert('a-3', 'jdoe@contoso.example') }),
    send('generic', { body: alert('a-4', 'mlee@contoso.example') }),
  ]);
  expect(second.statusCode).toBe(202);
  expect([second, third].map((a) => a.json().results[0])).toEqual([
    expect.objectContaining({ outcome: 'related', workflowId: first.workflowId, sourceAlertId: 'a-2' }),
    expect.objectContaining({ outcome: 'related', workflowId: first.workflowId, sourceAlertId: 'a-3' }),
  ]);
  expect(other.json().results[0]).toMatchObject({ outcome: 'started' });
  await caseOf(
    other.json().results[0]!.workflowId!,
    (s) => s.question?.messageRef !== undefined,
    'the question to mlee',
  );

  const state = await caseOf(first.workflowId!, (s) => s.relatedAlerts.length === 2, 'the related alerts');
  expect(state.relatedAlerts.map((r) => [r.sourceAlertId, r.kind]).sort()).toEqual([
    ['a-2', 'related'],
    ['a-3', 'related'],
  ]);
  expect(questionsFor(first.workflowId!)).toHaveLength(1);
  expect(
    world.data.questions
      .filter((q) => q.alert.sourceInstance === instance)
      .map((q) => q.user.userPrincipalName)
      .sort(),
  ).toEqual(['jdoe@contoso.example', 'mlee@contoso.example']);
});

test('a delivery with a bad alert among good ones: 207, the good one accepted, the bad one named', async () => {
  const delivery = fixtureJson<{ alerts: Record<string, unknown>[] }>(fixtures.elastic);
  // A user of its own: the fixture's users have open cases of this rule from the tests above.
  delivery.alerts[0] = { ...delivery.alerts[0], user: { name: `u-${randomUUID().slice(0, 8)}` } };
  delivery.alerts[1] = {
    ...delivery.alerts[1],
    'kibana.alert.original_time': 'last tuesday',
    'kibana.alert.start': undefined,
    '@timestamp': undefined,
  };
  const answer = await send('elastic', { body: delivery, query: newInstance() });
  expect(answer.statusCode).toBe(207);
  expect(answer.json().results).toEqual([
    expect.objectContaining({ index: 0, outcome: 'started' }),
    expect.objectContaining({
      index: 1,
      outcome: 'rejected',
      error: 'invalid_alert',
      problems: [
        {
          path: 'kibana.alert.original_time',
          message: 'is required as an ISO 8601 time (or kibana.alert.start / @timestamp)',
        },
      ],
    }),
  ]);
});

test('bad input gets 400/413/415/422 naming the problem, never 5xx, and starts nothing', async () => {
  const query = newInstance();
  const cases: [Delivery & { source: string }, number, string, RegExp][] = [
    [{ source: 'generic', body: '{"ruleId": "x",' }, 400, 'invalid_json', /not valid JSON/],
    [
      {
        source: 'ocsf',
        body: `${fixtureText(fixtures.ocsf).replace(/\n/g, '')}\n{not json}`,
        contentType: 'application/x-ndjson',
      },
      400,
      'invalid_json',
      /^line 2 is not valid JSON/,
    ],
    [{ source: 'generic', body: '' }, 400, 'empty_body', /empty/],
    [{ source: 'generic', body: '['.repeat(100) + ']'.repeat(100) }, 400, 'invalid_json', /nested more than 64 levels/],
    [{ source: 'generic', body: 'x'.repeat(300 * 1024) }, 413, 'payload_too_large', /limit of 262144 bytes/],
    [
      { source: 'elastic', body: { alerts: Array.from({ length: 101 }, () => ({})) } },
      413,
      'too_many_alerts',
      /at most 100/,
    ],
    [
      { source: 'generic', body: '<alert/>', contentType: 'application/xml' },
      415,
      'unsupported_media_type',
      /application\/xml/,
    ],
    [{ source: 'generic', body: '{}', contentType: null }, 415, 'unsupported_media_type', /not supported/],
    [
      { source: 'splunk', body: { sid: 'x', result: 'row' } },
      422,
      'invalid_alert',
      /result must be the first result row/,
    ],
    [{ source: 'sentinel', body: [] }, 422, 'invalid_request', /holds no alerts/],
    [{ source: 'qradar', body: {} }, 404, 'unknown_source', /use one of splunk, elastic, sentinel, ocsf, generic/],
    [{ source: 'generic', body: '{}', query: 'instance=bad%20name' }, 400, 'invalid_request', /instance must be/],
  ];
  for (const [delivery, status, error, message] of cases) {
    const answer = await send(delivery.source, { query, ...delivery });
    expect([delivery.source, answer.statusCode, answer.json().error]).toEqual([delivery.source, status, error]);
    expect(answer.json().message).toMatch(message);
  }
  const invalid = await send('ocsf', {
    body: { ...fixtureJson<Record<string, unknown>>(fixtures.ocsf), time: 'now' },
    query,
  });
  expect(invalid.json()).toMatchObject({
    error: 'invalid_alert',
    problems: [{ path: 'time', message: 'must be epoch milliseconds (a number)' }],
  });
});

test('operations: health, readiness, OpenAPI, Prometheus metrics and structured logs with the alert id', async () => {
  expect((await request(intake, '/healthz')).statusCode).toBe(200);
  const ready = await request(intake, '/readyz');
  expect([ready.statusCode, JSON.parse(ready.text).status]).toEqual([200, 'ready']);

  const openapi = JSON.parse((await request(intake, '/openapi.json')).text);
  expect(openapi.openapi).toBe('3.1.0');
  expect(Object.keys(openapi.paths['/v1/alerts/{source}'].post.responses)).toEqual(
    expect.arrayContaining(['202', '200', '400', '401', '413', '415', '422', '429', '503']),
  );
  expect(openapi.components.schemas.GenericAlert.required).toEqual(
    expect.arrayContaining(['sourceAlertId', 'ruleId', 'severity', 'detectedAt', 'title']),
  );

  const metrics = (await request(intake, '/metrics')).text;
  expect(metrics).toMatch(/soc_intake_alerts_accepted_total\{source="splunk",outcome="started"\} [1-9]/);
  expect(metrics).toMatch(/soc_intake_alerts_duplicate_total\{source="elastic"\} [1-9]/);
  expect(metrics).toMatch(/soc_intake_rejected_total\{source="generic",reason="invalid_json"\} [1-9]/);
  expect(metrics).toMatch(/soc_intake_rejected_total\{source="unknown",reason="unknown_source"\} 1/);
  expect(metrics).toMatch(/soc_intake_request_duration_seconds_bucket\{le="0.1",source="splunk",status="202"\} \d+/);

  const accepted = logs.lines().filter((line) => line.msg === 'alert started');
  expect(accepted.length).toBeGreaterThan(5);
  expect(accepted[0]).toMatchObject({
    alertId: expect.stringMatching(/^triage:/),
    source: expect.any(String),
    outcome: 'started',
  });
});
