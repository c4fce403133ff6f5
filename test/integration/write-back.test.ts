import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { AlertDispatcher } from '../../client/intake/dispatch';
import { defender, pushSources, type SourceAdapter } from '../../client/intake/sources';
import { submitAlert } from '../../client/triage-client';
import type { Alert } from '../../common/alert';
import { renderCase } from '../../common/case-details';
import { loadGraphConfig } from '../../common/config/graph';
import { analystDecisionUpdate } from '../../common/messages/triage';
import { parsePolicy, type RulePolicyInput } from '../../common/policy';
import { staticCatalog } from '../../common/rules';
import type { AnalystDecisionKind, CaseState } from '../../common/triage';
import type { WriteBackTransition } from '../../common/write-back';
import { standInGraphEnv, type GraphStandIn, type StandInSecurityAlert } from '../../standins/graph';
import { startSiemWriteBackDemo, type SiemWriteBackDemo } from '../../standins/siem/demo';
import { ANALYST } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { recordHistory } from '../harness/histories';
import { graphPortsFor, startStandIn, triagePorts } from '../harness/graph';
import { fixtureJson, fixtures } from '../harness/intake';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

/**
 * Write-back on the dev server: one worker with the production ports (Graph for Defender XDR, ARM for Sentinel,
 * Splunk ES, Kibana) against the HTTPS stand-ins; cases started from the fixtures as the intake normalizes them.
 */

let dev: DevServerHarness;
let graph: GraphStandIn;
let siem: SiemWriteBackDemo;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('write-back');

beforeAll(async () => {
  dev = await connectDevServer();
  graph = await startStandIn();
  const tls = {
    cert: readFileSync(process.env.SOC_STANDIN_TLS_CERT!, 'utf8'),
    key: readFileSync(process.env.SOC_STANDIN_TLS_KEY!, 'utf8'),
  };
  siem = await startSiemWriteBackDemo({
    tls,
    graph: { standIn: graph, config: loadGraphConfig(standInGraphEnv(graph))! },
    env: {
      SOC_WRITEBACK_SENTINEL_OWNER: '99999999-0000-4000-8000-000000000009',
      SOC_WRITEBACK_SPLUNK_OWNER: 'soc-lead',
    },
  });
  worker = await triageWorker(dev.nativeConnection, taskQueue, {
    ...triagePorts(graphPortsFor(graph)),
    writeBack: siem.writeBack,
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await siem?.stop();
  await graph?.stop();
  await dev?.teardown();
});

function normalized(adapter: SourceAdapter, document: unknown, kind?: 'create' | 'close') {
  const { items, envelope } = adapter.split([document]);
  const item = adapter.normalize(items[0], { envelope, instance: `wb-${randomUUID()}`, upnSuffix: 'contoso.example' });
  if (kind) expect(item.kind).toBe(kind);
  return item;
}

async function start(alert: Alert, policy: RulePolicyInput = { mode: 'analyst' }): Promise<WorkflowHandle> {
  const { workflowId } = await submitAlert(dev.client, {
    alert,
    policy: parsePolicy(policy),
    analysts: [ANALYST],
    taskQueue,
  });
  return dev.client.workflow.getHandle(workflowId);
}

const recorded = (state: CaseState, transition: WriteBackTransition) =>
  state.writeBack?.find((r) => r.transition === transition);

function waitForWriteBack(handle: WorkflowHandle, transitions: WriteBackTransition[]): Promise<CaseState> {
  return waitForCase(
    handle,
    (s) => transitions.every((t) => recorded(s, t)),
    `write-back of ${transitions.join(', ')}`,
    60_000,
  );
}

async function decide(handle: WorkflowHandle, decision: AnalystDecisionKind): Promise<CaseState> {
  await handle.executeUpdate(analystDecisionUpdate, { args: [{ analystId: ANALYST, decision }] });
  return (await handle.result()) as CaseState;
}

const sentinelBody = () =>
  fixtureJson<{ object: { id: string; properties: Record<string, unknown> } }>(fixtures.sentinel);

test('Sentinel: an etag conflict is re-read and applied; escalation, triage and close written with a comment each', async () => {
  const body = sentinelBody();
  siem.sentinel.seedIncident(body.object.id, { title: 'Sign-in from public IP', severity: 'High', status: 'New' });
  siem.sentinel.changeBeforeNextPut(1);
  const handle = await start(normalized(pushSources.sentinel, body, 'create').alert);

  const escalated = await waitForWriteBack(handle, ['escalated']);
  expect(recorded(escalated, 'escalated')).toMatchObject({
    status: 'written',
    detail: expect.stringMatching(/after 1 etag conflict, re-read/),
  });
  const incident = siem.sentinel.incident(body.object.id)!;
  // Someone else's edit survived: the change was applied to what was there, not over it.
  expect(incident.properties).toMatchObject({
    status: 'Active',
    owner: { objectId: '99999999-0000-4000-8000-000000000009' },
  });
  expect(incident.properties.labels).toEqual([{ labelName: 'edited-meanwhile', labelType: 'User' }]);

  const closed = await decide(handle, 'close-false-positive');
  expect(closed.triageState).toBe('closed');
  const done = await waitForWriteBack(handle, ['triaged', 'closed']);
  expect(done.writeBack!.map((r) => [r.transition, r.status])).toEqual([
    ['escalated', 'written'],
    ['triaged', 'written'],
    ['closed', 'written'],
  ]);
  expect(incident.properties).toMatchObject({
    status: 'Closed',
    classification: 'FalsePositive',
    classificationReason: 'IncorrectAlertLogic',
  });
  expect([...incident.comments.values()].map((c) => c.message)).toEqual([
    expect.stringMatching(
      /^SOC triage — escalated: this rule is triaged by analysts .*Case: http:\/\/localhost:8233\/namespaces\/default\/workflows\/triage%3Asentinel/,
    ),
    expect.stringContaining('triaged'),
    expect.stringContaining('closed: closed as false-positive'),
  ]);
  expect(siem.sentinel.requests('putIncident').every((r) => (r.body as { etag?: string }).etag)).toBe(true);
  await recordHistory('write-back to Sentinel escalated triaged closed after an etag conflict', handle);
});

test('Defender XDR: status, verdict and comments through Graph; a crash after the comment posts no second one', async () => {
  const template = graph.state.securityAlerts[0]!;
  const raw: StandInSecurityAlert = {
    ...structuredClone(template),
    id: `da${randomUUID()}`,
    status: 'new',
    comments: [],
  };
  graph.state.securityAlerts.push(raw);
  // The first comment is posted, then the answer is lost: the activity fails and runs again.
  graph.inject('commentSecurityAlert', { kind: 'error', status: 503, afterEffect: true, times: 1 });
  const handle = await start(normalized(defender, raw, 'create').alert, {
    mode: 'auto-contain',
    containmentActions: ['revoke-sessions'],
  });

  const contained = await waitForWriteBack(handle, ['triaged', 'contained', 'escalated']);
  expect(recorded(contained, 'triaged')?.detail).toBe('status inProgress; comment already there');
  const closed = await decide(handle, 'close-true-positive');
  await waitForWriteBack(handle, ['closed']);
  expect(closed.disposition).toBe('true-positive');

  const alert = graph.state.securityAlerts.find((a) => a.id === raw.id)!;
  expect(alert).toMatchObject({
    status: 'resolved',
    classification: 'truePositive',
    determination: 'compromisedAccount',
  });
  expect(graph.effectCount(raw.id, 'comment')).toBe(4);
  const markers = alert.comments!.map((c) => /\[soc-triage:[0-9a-f]+\]$/.exec(c.comment ?? '')?.[0]);
  expect(new Set(markers).size).toBe(4);
});

test('Splunk ES: a 429 is not retried before Retry-After; status, urgency, owner and one comment per transition', async () => {
  const body = fixtureJson<{ result: Record<string, string> }>(fixtures.splunk);
  const eventId = `N-${randomUUID()}@@notable@@1`;
  const item = normalized(pushSources.splunk, { ...body, result: { ...body.result, event_id: eventId } }, 'create');
  siem.splunk.inject('notableUpdate', { status: 429, retryAfterSeconds: 2, times: 1 });
  const handle = await start(item.alert);

  await waitForWriteBack(handle, ['escalated']);
  const updates = siem.splunk.requests('notableUpdate');
  expect(updates[0]!.status).toBe(429);
  expect(updates[1]!.at - updates[0]!.respondedAt!).toBeGreaterThanOrEqual(2_000);
  await decide(handle, 'close-benign');
  await waitForWriteBack(handle, ['triaged', 'closed']);

  const reviews = siem.splunk.reviewsOf(eventId);
  expect(reviews.map((r) => [r.status, r.urgency, r.owner ?? null])).toEqual([
    ['2', 'medium', 'soc-lead'],
    ['2', 'medium', null],
    ['5', 'medium', null],
  ]);
  expect(reviews.map((r) => /— (\w+):/.exec(r.comment!)?.[1])).toEqual(['escalated', 'triaged', 'closed']);
});

test('Elastic: a 403 is recorded on the case for analysts, and the case goes on to its end', async () => {
  const body = fixtureJson<{ alerts: Record<string, unknown>[] }>(fixtures.elastic);
  const item = normalized(pushSources.elastic, { ...body, alerts: [body.alerts[0]] }, 'create');
  siem.kibana.seedAlert('default', String(body.alerts[0]!['kibana.alert.uuid']));
  siem.kibana.inject('setStatus', { status: 403 });
  const handle = await start(item.alert);

  await waitForWriteBack(handle, ['escalated']);
  const closed = await decide(handle, 'close-true-positive');
  const state = await waitForWriteBack(handle, ['triaged', 'closed']);
  siem.kibana.clearFaults();

  expect(closed.triageState).toBe('closed');
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  expect(state.writeBack!.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
  expect(recorded(state, 'closed')!.detail).toMatch(
    /^Kibana denied setting the alert status: it needs an API key with .*\(403/,
  );
  expect(renderCase(state)).toMatch(/\*\*Written back to elastic:\*\* escalated \*\*failed\*\* — Kibana denied/);
  // Permanent: one request per transition, no retries.
  expect(siem.kibana.requests('setStatus')).toHaveLength(3);
});

test('a close that came from Sentinel is not written back to it', async () => {
  const body = sentinelBody();
  siem.sentinel.seedIncident(body.object.id, { title: 'Sign-in from public IP', severity: 'High', status: 'New' });
  const instance = `wb-${randomUUID()}`;
  const normalize = (document: unknown) => {
    const { items } = pushSources.sentinel.split([document]);
    return pushSources.sentinel.normalize(items[0], { instance });
  };
  const dispatcher = new AlertDispatcher({
    client: dev.client,
    taskQueue,
    rules: staticCatalog({}),
    analysts: [ANALYST],
    timeoutMs: 10_000,
    correlationTimeoutMs: 2_000,
    maxInFlight: 4,
    maxQueued: 4,
    correlate: false,
  });
  const started = await dispatcher.dispatch(normalize(body));
  const handle = dev.client.workflow.getHandle(started.workflowId);
  await waitForWriteBack(handle, ['escalated']);
  const putsBefore = siem.sentinel.log.length;

  const closedThere = {
    ...body,
    objectEventType: 'Update',
    object: {
      ...body.object,
      properties: {
        ...body.object.properties,
        status: 'Closed',
        classification: 'BenignPositive',
        owner: { userPrincipalName: 'ana@contoso.example' },
      },
    },
  };
  expect(await dispatcher.dispatch(normalize(closedThere))).toMatchObject({ outcome: 'closed' });
  const state = (await handle.result()) as CaseState;

  expect(state).toMatchObject({ triageState: 'closed', disposition: 'benign-positive' });
  expect(state.writeBack!.map((r) => [r.transition, r.status])).toEqual([
    ['escalated', 'written'],
    ['triaged', 'not-echoed'],
    ['closed', 'not-echoed'],
  ]);
  expect(siem.sentinel.log.length).toBe(putsBefore);
  expect(siem.sentinel.incident(body.object.id)!.comments.size).toBe(1);
  await recordHistory('write-back does not echo a close from the source', handle);
});
