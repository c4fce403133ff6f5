import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Worker } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { staticCatalog } from '../../common/rules';
import type { CaseState, Disposition } from '../../common/triage';
import { defender } from '../../client/intake/sources';
import { waitForCase } from '../harness/cases';
import {
  connectDevServer,
  terminateRunning,
  triageWorker,
  uniqueTaskQueue,
  type DevServerHarness,
} from '../harness/temporal';
import {
  captureLogs,
  deliver,
  fixtureJson,
  fixtures,
  startTestIntake,
  type LogCapture,
  type TestIntake,
} from '../harness/intake';

/**
 * What a SIEM sees, and what lands in the cases, for the deliveries of issue 14: ids of any content and length, closes
 * from the source, redeliveries under load and while recording them is slow, and compressed bodies.
 */

const SENTINEL_RULE = '71108e51-bc1f-48dc-95bd-4d0fb2e2c30c';
const BODY_LIMIT = 256 * 1024;

let temporal: DevServerHarness;
let intake: TestIntake;
let worker: Worker;
let running: Promise<void>;
let logs: LogCapture;
const taskQueue = uniqueTaskQueue('intake-siem');

beforeAll(async () => {
  temporal = await connectDevServer();
  worker = await triageWorker(temporal.nativeConnection, taskQueue, createInMemoryPorts(World.create(demoSeed())));
  running = worker.run();
  logs = captureLogs();
  intake = await startTestIntake({
    client: temporal.client,
    taskQueue,
    logs,
    rules: staticCatalog({
      [SENTINEL_RULE]: { mode: 'auto-contain', containmentActions: ['disable-account'] },
    }),
    config: { maxAlertsPerDelivery: 100, bodyLimitBytes: BODY_LIMIT },
  });
});

afterAll(async () => {
  await intake?.close();
  await terminateRunning(temporal.client, taskQueue);
  worker?.shutdown();
  await running;
  await temporal?.teardown();
});

const caseOf = (workflowId: string, predicate: (s: CaseState) => boolean, what: string) =>
  waitForCase(temporal.client.workflow.getHandle(workflowId), predicate, what);

const genericAlert = (sourceAlertId: string, extra: Record<string, unknown> = {}) => ({
  sourceAlertId,
  ruleId: 'siem-deliveries',
  ruleName: 'SIEM deliveries',
  severity: 'low',
  detectedAt: new Date().toISOString(),
  title: 'An alert',
  ...extra,
});

describe('1. no 5xx for anything in a body; each alert of a batch stands alone', () => {
  test('a lone surrogate in an id is refused with 422 naming the field (the JSON escape as a sender writes it)', async () => {
    const body = JSON.stringify(genericAlert('placeholder')).replace('"placeholder"', '"bad-\\ud800"');
    const answer = await deliver(intake, 'generic', { body });
    expect(answer.statusCode).toBe(422);
    expect(answer.json().problems).toContainEqual({
      path: 'sourceAlertId',
      message: expect.stringMatching(/not valid Unicode/),
    });
  });

  test('in a batch the bad alert is refused and the others get their cases (207)', async () => {
    const ids = [randomUUID(), 'bad-\ud800', randomUUID()];
    const answer = await deliver(intake, 'generic', { body: ids.map((id) => genericAlert(id)) });
    expect(answer.statusCode).toBe(207);
    expect(answer.json().results.map((r) => r.outcome)).toEqual(['started', 'rejected', 'started']);
    expect(answer.json().results[1]!.problems).toContainEqual({
      path: 'sourceAlertId',
      message: expect.stringMatching(/not valid Unicode/),
    });
  });

  test.each([
    ['512 accented letters', 'é'.repeat(500) + randomUUID().slice(0, 12)],
    ['512 separators', `${randomUUID().slice(0, 12)}${':/%?'.repeat(125)}`],
  ])('an id of %s starts one case; its redelivery is 200 and lands in it', async (_what, id) => {
    const first = await deliver(intake, 'generic', { body: genericAlert(id) });
    expect(first.statusCode).toBe(202);
    const { workflowId } = first.json().results[0]!;
    expect(Buffer.byteLength(workflowId!)).toBeLessThanOrEqual(512);
    const again = await deliver(intake, 'generic', { body: genericAlert(id) });
    expect([again.statusCode, again.json().results[0]!.workflowId]).toEqual([200, workflowId]);
    await caseOf(workflowId!, (s) => s.relatedAlerts.some((r) => r.kind === 'redelivery'), 'the redelivery');
  });

  test('2. a Splunk real-time alert without _time is accepted with the time its sid carries', async () => {
    const body = fixtureJson<{ result: Record<string, unknown> }>(fixtures.splunk);
    const { _time: _dropped, ...row } = body.result;
    const answer = await deliver(intake, 'splunk', {
      body: { ...body, sid: 'rt_md_1793629200.41', result: { ...row, nonce: randomUUID() } },
    });
    expect(answer.statusCode).toBe(202);
    const state = await caseOf(answer.json().results[0]!.workflowId!, () => true, 'the case');
    expect(state.alert.detectedAt).toBe('2026-11-02T14:20:00.000Z');
  });
});

describe('3. a close from the source closes the case; containment follows the verdict', () => {
  type Incident = { objectEventType: string; object: { name: string; properties: Record<string, unknown> } };
  const incidentFor = (user: string): Incident => {
    const incident = fixtureJson<Incident>(fixtures.sentinel);
    incident.object.name = randomUUID();
    incident.object.properties.relatedEntities = [
      { kind: 'Account', properties: { accountName: user, upnSuffix: 'contoso.example' } },
    ];
    return incident;
  };
  const closeOf = (incident: Incident, classification: string): Incident => ({
    ...incident,
    objectEventType: 'Update',
    object: {
      ...incident.object,
      properties: {
        ...incident.object.properties,
        status: 'Closed',
        classification,
        owner: { objectId: null, email: 'ana@example.com', assignedTo: 'Ana', userPrincipalName: 'ana@example.com' },
      },
    },
  });

  test.each<[string, string, Disposition, 'undone' | 'applied']>([
    ['FalsePositive', 'jdoe', 'false-positive', 'undone'],
    ['BenignPositive', 'jdoe', 'benign-positive', 'undone'],
    ['Undetermined', 'mlee', 'undetermined', 'applied'],
    // Last: the account stays disabled.
    ['TruePositive', 'jdoe', 'true-positive', 'applied'],
  ])(
    'Sentinel Closed as %s, with the account disabled by this case',
    async (classification, user, disposition, containment) => {
      const incident = incidentFor(user);
      const created = await deliver(intake, 'sentinel', { body: incident });
      const { workflowId } = created.json().results[0]!;
      await caseOf(
        workflowId!,
        (s) => s.triageState === 'contained' && s.escalations.length > 0,
        'automatic containment and the escalation',
      );

      const closed = await deliver(intake, 'sentinel', { body: closeOf(incident, classification) });
      expect([closed.statusCode, closed.json().results[0]!.outcome]).toEqual([202, 'closed']);
      const state = await caseOf(
        workflowId!,
        (s) =>
          s.triageState === 'closed' && s.containment.every((c) => c.status !== 'applied' || containment === 'applied'),
        'the close',
      );
      expect(state.disposition).toBe(disposition);
      expect(state.closeReason).toMatch(/^closed in sentinel by ana@example\.com/);
      expect(state.containment.map((c) => [c.action, c.status])).toEqual([['disable-account', containment]]);
    },
  );

  test('OCSF: activity 3 Close and status 4 Resolved close their cases', async () => {
    const finding = fixtureJson<{ finding_info: Record<string, unknown> }>(fixtures.ocsf);
    for (const close of [{ activity_id: 3 }, { activity_id: 2, status_id: 4 }]) {
      const body = { ...finding, finding_info: { ...finding.finding_info, uid: randomUUID() } };
      const { workflowId } = (await deliver(intake, 'ocsf', { body })).json().results[0]!;
      await caseOf(workflowId!, (s) => s.escalations.length > 0, 'the escalation');
      const answer = await deliver(intake, 'ocsf', { body: { ...body, ...close } });
      expect(answer.json().results[0]).toMatchObject({ outcome: 'closed', workflowId });
      const state = await caseOf(workflowId!, (s) => s.triageState === 'closed', 'the close');
      expect([state.disposition, state.closeReason]).toEqual([
        'undetermined',
        'closed in ocsf by Example EDR (undetermined)',
      ]);
    }
  });

  test('Defender: a resolved alert closes its case with its classification', async () => {
    const alert = { ...fixtureJson<Record<string, unknown>>(fixtures.defender), id: `da-${randomUUID()}` };
    const created = await intake.app.intake.dispatcher.dispatch(defender.normalize({ ...alert, status: 'new' }, {}));
    await caseOf(created.workflowId, (s) => s.escalations.length > 0, 'the escalation');
    const resolved = { ...alert, status: 'resolved', classification: 'falsePositive', assignedTo: 'ana@example.com' };
    const closed = await intake.app.intake.dispatcher.dispatch(defender.normalize(resolved, {}));
    expect(closed).toEqual({ outcome: 'closed', workflowId: created.workflowId });
    const state = await caseOf(created.workflowId, (s) => s.triageState === 'closed', 'the close');
    expect([state.disposition, state.closeReason]).toEqual([
      'false-positive',
      'closed in defender by ana@example.com (false-positive)',
    ]);
  });
});

describe('4. duplicates answer 200 once the workflow is known to exist', () => {
  test('a storm: 25 concurrent redeliveries of 50 alerts make 50 workflows, and every redelivery is 200', async () => {
    const instance = `storm-${randomUUID().slice(0, 8)}`;
    const batch = Array.from({ length: 50 }, (_, i) => genericAlert(`storm-${i}`, { sourceInstance: instance }));
    const first = await deliver(intake, 'generic', { body: batch });
    expect([first.statusCode, first.json().results.filter((r) => r.outcome === 'started').length]).toEqual([202, 50]);
    const workflowIds = first.json().results.map((r) => r.workflowId);

    const storm = await Promise.all(Array.from({ length: 25 }, () => deliver(intake, 'generic', { body: batch })));
    expect(storm.map((a) => a.statusCode)).toEqual(Array(25).fill(200));
    for (const answer of storm) {
      expect(answer.json().results.map((r) => [r.outcome, r.workflowId])).toEqual(
        workflowIds.map((id) => ['duplicate', id]),
      );
    }
    const query = `TaskQueue = '${taskQueue}' AND WorkflowId STARTS_WITH 'triage:generic:${instance}:'`;
    let count = 0;
    for (const deadline = Date.now() + 30_000; count < 50 && Date.now() < deadline;) {
      count = (await temporal.client.workflow.count(query)).count;
      if (count < 50) await new Promise((r) => setTimeout(r, 100));
    }
    expect(count).toBe(50);
  });

  test.each([
    ['fails', () => Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 }))],
    ['never answers', () => new Promise<void>(() => undefined)],
  ])('recording a redelivery that %s still answers 200 duplicate', async (_what, signal) => {
    const id = randomUUID();
    const { workflowId } = (await deliver(intake, 'generic', { body: genericAlert(id) })).json().results[0]!;
    const { workflow } = temporal.client;
    const getHandle = workflow.getHandle.bind(workflow);
    const spy = jest
      .spyOn(workflow, 'getHandle')
      .mockImplementation((...args) => Object.assign(Object.create(getHandle(...args)) as object, { signal }) as never);
    try {
      const again = await deliver(intake, 'generic', { body: genericAlert(id) });
      expect([again.statusCode, again.json().results[0]]).toEqual([
        200,
        expect.objectContaining({ outcome: 'duplicate', workflowId }),
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('7. Content-Encoding', () => {
  const body = () => JSON.stringify(genericAlert(randomUUID()));

  const gzip = (text: string) => gzipSync(text);
  const plain = (text: string) => Buffer.from(text);
  const bomb = () => gzipSync(Buffer.alloc(BODY_LIMIT * 40, 0x20));
  test.each([
    ['gzip', 'JSON', 202, undefined, gzip],
    ['x-gzip', 'JSON', 202, undefined, gzip],
    ['identity', 'JSON', 202, undefined, plain],
    ['gzip', 'a zip bomb (40 times the body limit)', 413, 'payload_too_large', bomb],
    ['gzip', 'uncompressed JSON', 400, 'invalid_request', plain],
    ['br', 'JSON', 415, 'unsupported_media_type', plain],
    ['deflate', 'JSON', 415, 'unsupported_media_type', plain],
    ['gzip, br', 'JSON', 415, 'unsupported_media_type', plain],
  ])('Content-Encoding %s with %s → %s', async (encoding, _what, status, error, encode) => {
    const answer = await deliver(intake, 'generic', {
      body: encode(body()),
      contentType: 'application/json',
      headers: { 'content-encoding': encoding },
    });
    expect(answer.statusCode).toBe(status);
    if (error) expect(answer.json().error).toBe(error);
  });

  test('a gzip NDJSON batch is read line by line', async () => {
    const text = [genericAlert(randomUUID()), genericAlert(randomUUID())].map((a) => JSON.stringify(a)).join('\n');
    const answer = await deliver(intake, 'generic', {
      body: gzipSync(text),
      contentType: 'application/x-ndjson',
      headers: { 'content-encoding': 'gzip' },
    });
    expect([answer.statusCode, answer.json().results.map((r) => r.outcome)]).toEqual([202, ['started', 'started']]);
  });
});

test('no delivery above made the intake log an error', () => {
  expect(logs.lines().filter((line) => Number(line.level) >= 50)).toEqual([]);
});
