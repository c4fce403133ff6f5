import type { WorkflowHandle } from '@temporalio/client';
import { submitAlert } from '../../client/triage-client';
import { parsePolicy, type RulePolicyInput } from '../../common/policy';
import type { CaseState } from '../../common/triage';
import { BLOCKED_IPS_LOCATION_ID, type GraphStandIn, type LoggedRequest, type RouteName } from '../../standins/graph';
import { analystDecisionUpdate } from '../../common/messages/triage';
import { ANALYST, JDOE, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { graphPortsFor, startStandIn, triagePorts } from '../harness/graph';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

/**
 * The triage workflow on the dev server (real time: Retry-After is measured in wall-clock time), its activities
 * running the production Graph ports against the stand-in.
 */

const HOST = 'laptop-jdoe.contoso.example';
const IP = '203.0.113.50';

let dev: DevServerHarness;
let standIn: GraphStandIn;

beforeAll(async () => {
  dev = await connectDevServer();
  standIn = await startStandIn({ machineActionDelayMs: 300 });
});
beforeEach(() => standIn.reset());
afterAll(async () => {
  await standIn?.stop();
  await dev?.teardown();
});

async function runCase<T>(policy: RulePolicyInput, body: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue('graph');
  const ports = triagePorts(graphPortsFor(standIn, { tuning: { pollIntervalMs: 100 } }));
  const worker = await triageWorker(dev.nativeConnection, taskQueue, ports);
  const { workflowId } = await submitAlert(dev.client, {
    alert: makeAlert(),
    policy: parsePolicy(policy),
    analysts: [ANALYST],
    taskQueue,
  });
  const handle = dev.client.workflow.getHandle(workflowId);
  try {
    return await worker.runUntil(body(handle));
  } finally {
    await handle.terminate('test finished').catch(() => undefined);
  }
}

async function closeAsFalsePositive(handle: WorkflowHandle): Promise<CaseState> {
  await handle.executeUpdate(analystDecisionUpdate, {
    args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
  });
  return (await handle.result()) as CaseState;
}

/** For every throttled answer on `route`: how long until the next request on that route arrived, and the Retry-After. */
function gapsAfterThrottling(route: RouteName): { waitedMs: number; retryAfterMs: number }[] {
  const requests = standIn.requests(route);
  return requests.flatMap((entry: LoggedRequest, i) => {
    const next = requests[i + 1];
    if (entry.retryAfterSeconds === undefined || !next) return [];
    return [{ waitedMs: next.at - entry.respondedAt!, retryAfterMs: entry.retryAfterSeconds * 1000 }];
  });
}

test('throttled requests are not retried before Retry-After has elapsed, and the alert still completes', async () => {
  standIn.inject('signIns', { kind: 'error', status: 429, retryAfterSeconds: 3, times: 2 });
  standIn.inject('updateUser', { kind: 'error', status: 429, retryAfterSeconds: 2, times: 1 });
  standIn.inject('isolateMachine', { kind: 'error', status: 503, retryAfterSeconds: 1, times: 1 });
  const seeded = standIn.snapshot();

  const closed = await runCase(
    { mode: 'auto-contain', containmentActions: ['disable-account', 'isolate-host'] },
    async (handle) => {
      const contained = await waitForCase(
        handle,
        (s) => s.escalations.length === 1,
        'containment and escalation',
        60_000,
      );
      expect(contained.enrichment?.signIns.status).toBe('ok');
      expect(contained.containment.map((c) => [c.action, c.status])).toEqual([
        ['disable-account', 'applied'],
        ['isolate-host', 'applied'],
      ]);
      return closeAsFalsePositive(handle);
    },
  );

  const measured = {
    signIns: gapsAfterThrottling('signIns'),
    updateUser: gapsAfterThrottling('updateUser'),
    isolateMachine: gapsAfterThrottling('isolateMachine'),
  };
  console.log('time from a throttled answer to the next request on that route:', JSON.stringify(measured));
  expect(measured.signIns).toHaveLength(2);
  expect(measured.updateUser.length).toBeGreaterThanOrEqual(1);
  expect(measured.isolateMachine).toHaveLength(1);
  for (const gap of [...measured.signIns, ...measured.updateUser, ...measured.isolateMachine]) {
    expect(gap.waitedMs).toBeGreaterThanOrEqual(gap.retryAfterMs);
  }
  expect(closed).toMatchObject({ triageState: 'closed', disposition: 'false-positive' });
  expect(standIn.effectCount(JDOE.upn, 'disable-account')).toBe(1);
  expect(standIn.effectCount(HOST, 'isolate-host')).toBe(1);
  expect(standIn.snapshot()).toEqual(seeded);
});

test('a lookup denied with 403 leaves the rest of the context, with a reason that names the missing permission', async () => {
  standIn.state.app.permissions = standIn.state.app.permissions.filter((p) => p !== 'AuditLog.Read.All');

  await runCase({ mode: 'analyst' }, async (handle) => {
    const state = await waitForCase(handle, (s) => s.escalations.length === 1, 'the escalation', 60_000);
    const e = state.enrichment!;
    expect(e.signIns).toEqual({
      status: 'unavailable',
      reason:
        "Microsoft Graph denied reading jdoe@contoso.example's sign-ins: the app registration needs the application permission AuditLog.Read.All, with admin consent (403 Authorization_RequestDenied)",
    });
    expect(e.profile).toMatchObject({
      status: 'ok',
      data: { displayName: 'Jane Doe', department: 'Finance', manager: { displayName: 'Morgan Lee' } },
    });
    expect(e.groups).toMatchObject({ status: 'ok', data: { total: 3 } });
    expect(e.devices).toMatchObject({
      status: 'ok',
      data: {
        devices: [
          { name: 'LAPTOP-JDOE', source: 'intune' },
          { name: 'iPhone-JDOE', source: 'registered' },
        ],
      },
    });
    expect(e.risk).toMatchObject({ status: 'ok', data: { riskLevel: 'medium', riskState: 'atRisk' } });
    expect(e.host).toMatchObject({ status: 'ok', data: { name: HOST, riskScore: 'Medium' } });
    // A permanent failure is not retried.
    expect(standIn.requests('signIns')).toHaveLength(1);
  });
});

test('every effect is applied once although the service answered 503 after applying it, and undo restores the seeded state', async () => {
  for (const route of ['updateUser', 'revokeSignInSessions', 'updateNamedLocation', 'isolateMachine'] as const) {
    standIn.inject(route, { kind: 'error', status: 503, retryAfterSeconds: 1, afterEffect: true, times: 1 });
  }
  const seeded = standIn.snapshot();

  const closed = await runCase(
    { mode: 'auto-contain', containmentActions: ['disable-account', 'revoke-sessions', 'block-ip', 'isolate-host'] },
    async (handle) => {
      const contained = await waitForCase(
        handle,
        (s) => s.escalations.length === 1,
        'containment and escalation',
        60_000,
      );
      expect(contained.containment.map((c) => [c.action, c.status])).toEqual([
        ['disable-account', 'applied'],
        ['revoke-sessions', 'applied'],
        ['block-ip', 'applied'],
        ['isolate-host', 'applied'],
      ]);
      expect(standIn.snapshot()).toEqual({
        ...seeded,
        users: { ...seeded.users, [JDOE.upn]: { accountEnabled: false } },
        namedLocations: { [BLOCKED_IPS_LOCATION_ID]: ['192.0.2.66/32', `${IP}/32`] },
        machines: { [HOST]: { isolated: true } },
      });
      return closeAsFalsePositive(handle);
    },
  );

  // Each 503 came after the effect; the retry found it in place instead of applying it again.
  for (const route of ['updateUser', 'revokeSignInSessions', 'isolateMachine'] as const) {
    expect(standIn.requests(route).filter((r) => r.fault === 'error')).toHaveLength(1);
  }
  expect(standIn.effects[JDOE.upn]).toEqual({ 'disable-account': 1, 'revoke-sessions': 1, 'enable-account': 1 });
  expect(standIn.effects[IP]).toEqual({ 'block-ip': 1, 'unblock-ip': 1 });
  expect(standIn.effects[HOST]).toEqual({ 'isolate-host': 1, 'release-host': 1 });
  expect(standIn.requests('isolateMachine')).toHaveLength(1);
  expect(standIn.requests('revokeSignInSessions')).toHaveLength(1);

  expect(closed).toMatchObject({ triageState: 'closed', disposition: 'false-positive' });
  expect(closed.containment.map((c) => [c.action, c.status])).toEqual([
    ['disable-account', 'undone'],
    ['revoke-sessions', 'undone'],
    ['block-ip', 'undone'],
    ['isolate-host', 'undone'],
  ]);
  expect(standIn.snapshot()).toEqual(seeded);
});
