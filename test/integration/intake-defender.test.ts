import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createDefenderFeedActivities, type DefenderAlertFeed } from '../../activities/defender-feed';
import { createActivities } from '../../activities';
import { createGraphPorts } from '../../activities/graph';
import type { DefenderAlertFeedOptions } from '../../activities/graph/alerts';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { AlertDispatcher } from '../../client/intake/dispatch';
import { defenderAlertSink, startDefenderPolling, stopDefenderPolling } from '../../client/intake/defender-polling';
import { triageWorkflowId } from '../../common/alert';
import { loadGraphConfig, type GraphConfig } from '../../common/config/graph';
import { staticCatalog } from '../../common/rules';
import { graphDemoSeed, standInGraphEnv, type GraphStandIn, type StandInSecurityAlert } from '../../standins/graph';
import { defenderPollStatusQuery, pollDefenderNowSignal } from '../../common/messages/defender-poll';
import { waitForCase } from '../harness/cases';
import { ANALYST } from '../harness/alerts';
import { recordHistory } from '../harness/histories';
import { failureOf, shape, startStandIn } from '../harness/graph';
import {
  connectDevServer,
  testDataConverter,
  uniqueTaskQueue,
  workflowBundle,
  type DevServerHarness,
  terminateRunning,
} from '../harness/temporal';
import { fixtureJson, fixtures } from '../harness/intake';

/**
 * Defender XDR alerts are pulled from Graph `GET /security/alerts_v2` (the real graph client over HTTPS against the
 * stand-in, pages of 2) by a poll workflow, and land in triage like pushed ones.
 */

const RULE = '7f1e3c2d-5b4a-4e69-8d70-1a2b3c4d5e6f';
const MINUTE = 60_000;

let standIn: GraphStandIn;
let graph: GraphConfig;

beforeAll(async () => {
  // The demo tenant without its Defender alert: each test publishes its own.
  standIn = await startStandIn({ maxPageSize: 2, seed: { ...graphDemoSeed(), securityAlerts: [] } });
  graph = loadGraphConfig(standInGraphEnv(standIn))!;
});
beforeEach(() => standIn.reset());
afterAll(async () => {
  await standIn?.stop();
});

/** The fixture alert as Graph would list it, with its own id and last update time. */
function graphAlert(lastUpdate: number, overrides: Partial<StandInSecurityAlert> = {}): StandInSecurityAlert {
  const fixture = fixtureJson<StandInSecurityAlert>(fixtures.defender);
  return {
    ...fixture,
    id: `da${randomUUID()}`,
    tenantId: standIn.tenantId,
    createdDateTime: new Date(lastUpdate - 30_000).toISOString(),
    lastUpdateDateTime: new Date(lastUpdate).toISOString(),
    ...overrides,
  };
}

/** The production feed, configured like a deployment, reading the stand-in. */
const createDefenderAlertFeed = (config: GraphConfig, options: DefenderAlertFeedOptions = {}) =>
  createGraphPorts(config, { defenderAlerts: options }).defenderAlerts;

const ids = (alerts: unknown[]) => alerts.map((a) => (a as { id: string }).id);

describe('the Graph alerts_v2 feed', () => {
  test('reads a time window through every page, oldest first, and continues where the window ended', async () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    let clock = now;
    const feed = createDefenderAlertFeed(graph, { lookbackMs: 60 * MINUTE, settleMs: 0, now: () => clock });
    const tooOld = graphAlert(now - 61 * MINUTE);
    const window = [graphAlert(now - 50 * MINUTE), graphAlert(now - 10 * MINUTE), graphAlert(now - 30 * MINUTE)];
    standIn.state.securityAlerts.push(tooOld, ...window);

    const first = await feed.listSince(undefined);
    expect(ids(first.alerts)).toEqual(ids([window[0], window[2], window[1]]));
    expect(first).toMatchObject({ cursor: new Date(now).toISOString(), more: false });
    const listed = standIn.requests('listSecurityAlerts');
    expect(listed.map(shape)).toEqual([
      `GET /v1.0/security/alerts_v2 ${JSON.stringify({
        $filter: 'lastUpdateDateTime ge 2026-11-28T11:00:00.000Z and lastUpdateDateTime lt 2026-11-28T12:00:00.000Z',
        $top: '500',
      })}`,
      'GET /v1.0/security/alerts_v2 {"$skiptoken":"*"}',
    ]);
    expect(listed.every((r) => r.audience === 'https://graph.microsoft.com' && r.status === 200)).toBe(true);

    // Nothing new: an empty window. Then one alert is resolved (updated) and a new one raised: exactly those two.
    clock = now + 5 * MINUTE;
    expect((await feed.listSince(first.cursor)).alerts).toEqual([]);
    const resolved = { ...window[1]!, status: 'resolved' as const, lastUpdateDateTime: iso(now + 6 * MINUTE) };
    standIn.state.securityAlerts.splice(standIn.state.securityAlerts.indexOf(window[1]!), 1, resolved);
    const raised = graphAlert(now + 7 * MINUTE);
    standIn.state.securityAlerts.push(raised);
    clock = now + 10 * MINUTE;
    const third = await feed.listSince(iso(now + 5 * MINUTE));
    expect(third.alerts).toEqual([resolved, raised]);
    expect(third.cursor).toBe(iso(now + 10 * MINUTE));
  });

  test('a window holding more than one poll carries is halved; the polls that follow hand over the rest, once each', async () => {
    const now = Date.now();
    const feed = createDefenderAlertFeed(graph, { settleMs: 0, pageSize: 2, maxAlertsPerPoll: 4 });
    const alerts = Array.from({ length: 11 }, (_, i) => graphAlert(now - (55 - i * 5) * MINUTE));
    standIn.state.securityAlerts.push(...alerts);

    const seen: string[] = [];
    let cursor: string | undefined;
    let polls = 0;
    for (let more = true; more; polls++) {
      const page = await feed.listSince(cursor);
      expect(page.alerts.length).toBeLessThanOrEqual(4);
      seen.push(...ids(page.alerts));
      ({ cursor, more } = page);
    }
    expect(seen).toEqual(ids(alerts));
    expect(polls).toBeGreaterThan(2);
  });

  test('a missing permission is a permanent failure that names it; a throttled list is retried after Retry-After', async () => {
    const feed = createDefenderAlertFeed(graph);
    standIn.state.app.permissions = standIn.state.app.permissions.filter((p) => p !== 'SecurityAlert.Read.All');
    const denied = await failureOf(feed.listSince(undefined));
    expect(denied.nonRetryable).toBe(true);
    expect(denied.message).toContain('SecurityAlert.Read.All');

    standIn.reset();
    standIn.inject('listSecurityAlerts', { kind: 'error', status: 429, retryAfterSeconds: 7, times: 1 });
    const throttled = await failureOf(createDefenderAlertFeed(graph).listSince(undefined));
    expect(throttled.nonRetryable).toBe(false);
    expect(throttled.nextRetryDelay).toBe(7_000);
  });
});

describe('the poll workflow', () => {
  let temporal: DevServerHarness;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueTaskQueue('intake-defender');
  let feed: DefenderAlertFeed;

  beforeAll(async () => {
    temporal = await connectDevServer();
    feed = createDefenderAlertFeed(graph, { settleMs: 0 });
    const dispatcher = new AlertDispatcher({
      client: temporal.client,
      taskQueue,
      rules: staticCatalog({ [RULE]: { mode: 'confirm-with-user' } }),
      analysts: [ANALYST],
      timeoutMs: 10_000,
      correlationTimeoutMs: 2_000,
      maxInFlight: 8,
      maxQueued: 100,
    });
    worker = await Worker.create({
      connection: temporal.nativeConnection,
      dataConverter: testDataConverter(),
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: {
        ...createActivities(createInMemoryPorts(World.create(demoSeed()))),
        ...createDefenderFeedActivities({ feed, sink: defenderAlertSink(dispatcher, { upnSuffix: 'example.com' }) }),
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    await terminateRunning(temporal.client, taskQueue);
    worker?.shutdown();
    await running;
    await temporal?.teardown();
  });

  test('starts one case per Defender alert, closes a resolved one, outlives a revoked permission, takes a new interval, stops when turned off', async () => {
    const now = Date.now();
    const alert = graphAlert(now - 5 * MINUTE);
    const withoutEvidence = graphAlert(now - 4 * MINUTE, { evidence: [] });
    const unreadable = graphAlert(now - 3 * MINUTE, { createdDateTime: 'not a time', detectorId: null, title: null });
    standIn.state.securityAlerts.push(alert, withoutEvidence, unreadable);

    const tenant = `tenant-${randomUUID()}`;
    const poller = await startDefenderPolling(temporal.client, { taskQueue, intervalMs: 10 * MINUTE, tenant });
    // Starting again (a restarted worker, here with another interval) keeps the one running poller.
    const restarted = await startDefenderPolling(temporal.client, { taskQueue, intervalMs: 20 * MINUTE, tenant });
    expect(restarted.signaledRunId).toBe(poller.signaledRunId);

    const caseOf = (a: StandInSecurityAlert) =>
      temporal.client.workflow.getHandle(
        triageWorkflowId({ source: 'defender', sourceInstance: standIn.tenantId, sourceAlertId: a.id! }),
      );
    const first = await waitForCase(caseOf(alert), (s) => s.question?.messageRef !== undefined, 'the question');
    expect(first.alert).toMatchObject({
      source: 'defender',
      ruleId: RULE,
      severity: 'high',
      entities: { userPrincipalName: 'jdoe@example.com', host: 'ws-0142.corp.example.com', sourceIp: '203.0.113.45' },
    });
    await waitForCase(caseOf(withoutEvidence), () => true, 'the second case');

    const status = () => poller.query(defenderPollStatusQuery);
    const waitForStatus = async (predicate: (s: Awaited<ReturnType<typeof status>>) => boolean) => {
      for (let attempt = 0; ; attempt++) {
        const current = await status();
        if (predicate(current)) return current;
        if (attempt > 300) throw new Error(`poller status never matched: ${JSON.stringify(current)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    expect(await waitForStatus((s) => s.polls >= 1)).toMatchObject({ accepted: 2, rejected: 1, duplicates: 0 });

    // The permission is revoked: the poll fails for good, the poller says why and keeps running.
    standIn.state.app.permissions = standIn.state.app.permissions.filter((p) => p !== 'SecurityAlert.Read.All');
    await poller.signal(pollDefenderNowSignal);
    expect((await waitForStatus((s) => s.lastError !== undefined)).lastError).toContain('SecurityAlert.Read.All');
    expect((await poller.describe()).status.name).toBe('RUNNING');

    // Granted again; meanwhile the first alert was resolved in Defender: its case is closed, and nothing else changes.
    standIn.state.app.permissions.push('SecurityAlert.Read.All');
    const index = standIn.state.securityAlerts.indexOf(alert);
    standIn.state.securityAlerts[index] = { ...alert, status: 'resolved', lastUpdateDateTime: iso(Date.now() - 1) };
    await poller.signal(pollDefenderNowSignal);
    expect(await waitForStatus((s) => s.accepted === 3 && s.lastError === undefined)).toMatchObject({
      rejected: 1,
      duplicates: 0,
    });
    const closed = await waitForCase(caseOf(alert), (s) => s.relatedAlerts.length === 1, 'the close');
    expect(closed.relatedAlerts.map((r) => r.kind)).toEqual(['close']);
    expect((await status()).intervalMs).toBe(20 * MINUTE);

    // Polling turned off: the poller is cancelled; stopping again finds nothing to stop.
    expect(await stopDefenderPolling(temporal.client, tenant)).toBe(true);
    await expect(poller.result()).rejects.toThrow(WorkflowFailedError);
    expect((await poller.describe()).status.name).toBe('CANCELLED');
    expect(await stopDefenderPolling(temporal.client, tenant)).toBe(false);
    await recordHistory('defender poller', poller);
  });
});

const iso = (ms: number) => new Date(ms).toISOString();
