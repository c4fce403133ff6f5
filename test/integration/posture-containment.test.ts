import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import type { GraphPorts } from '../../activities/graph';
import { createPostureActivities } from '../../activities/posture';
import { sendDecision } from '../../client/triage-client';
import { findingStateQuery } from '../../common/messages/posture';
import { caseStateQuery } from '../../common/messages/triage';
import { postureFindingWorkflowId, type FindingCase } from '../../common/posture';
import type { CaseState } from '../../common/triage';
import { workflowTypes } from '../../common/workflow-types';
import type { GraphStandIn } from '../../standins/graph';
import { createTriageWorker } from '../../workers/worker';
import { ANALYST, makeAlert, makeInput } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { recordHistory } from '../harness/histories';
import { graphPortsFor, startStandIn, triagePorts } from '../harness/graph';
import { routine, runRoutine, waitForFinding } from '../harness/posture';
import {
  connectDevServer,
  testDataConverter,
  uniqueTaskQueue,
  workflowBundle,
  type DevServerHarness,
} from '../harness/temporal';

/**
 * The routines about this product's own containment, on the dev server (real visibility) with the real Graph client
 * against the stand-in: the expiry of temporary IP blocks and the containment drift guard.
 */

const MINUTE = 60_000;

let standIn: GraphStandIn;
let graph: GraphPorts;
let temporal: DevServerHarness;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('posture-containment');
/** The routines' clock: moved ahead to make closed cases old, as weeks passing would. */
let clockAheadMs = 0;

beforeAll(async () => {
  standIn = await startStandIn();
  graph = graphPortsFor(standIn, { tuning: { locationWrites: 'in-process' } });
  temporal = await connectDevServer();
  const ports = triagePorts(graph);
  worker = await createTriageWorker({
    dataConverter: testDataConverter(),
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    ports,
    workflowBundle: workflowBundle(),
    extraActivities: createPostureActivities({
      directory: graph.posture!,
      containment: ports.containment,
      now: () => Date.now() + clockAheadMs,
    }),
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await standIn?.stop();
  await temporal?.teardown();
});

const sorted = (ranges: string[]) => [...ranges].sort((a, b) => a.localeCompare(b));
const blockedRanges = () =>
  standIn.state.namedLocations[0]!.ipRanges.map((r) => r.cidrAddress).sort((a, b) => a.localeCompare(b));

async function contained(actions: ('block-ip' | 'disable-account')[], sourceIp: string) {
  const alert = makeAlert({
    entities: {
      userPrincipalName: 'jdoe@contoso.example',
      userObjectId: '11111111-1111-4111-8111-111111111111',
      sourceIp,
    },
  });
  const handle = await temporal.client.workflow.start(workflowTypes.triage, {
    workflowId: `posture-containment-${alert.sourceAlertId}`,
    taskQueue,
    args: [makeInput({ mode: 'auto-contain', containmentActions: actions }, alert)],
  });
  await waitForCase(handle, (s) => s.triageState === 'contained', 'the containment');
  return handle;
}

async function closeAsTruePositive(handle: Awaited<ReturnType<typeof contained>>): Promise<CaseState> {
  await sendDecision(
    temporal.client,
    handle.workflowId,
    { analystId: ANALYST, decision: 'close-true-positive', note: 'confirmed compromise' },
    { requestId: randomUUID() },
  );
  return (await handle.result()) as CaseState;
}

test('expired blocks: an IP blocked for a case closed long enough ago is removed; an open case keeps its block; ranges this product did not add are never touched; a dry run changes nothing', async () => {
  const id = `expiry-${randomUUID().slice(0, 8)}`;
  const before = blockedRanges();
  expect(before).toEqual(['192.0.2.66/32']);

  const closedCase = await contained(['block-ip'], '203.0.113.77');
  const closed = await closeAsTruePositive(closedCase);
  expect(closed.containment).toEqual([expect.objectContaining({ action: 'block-ip', status: 'applied' })]);
  const openCase = await contained(['block-ip'], '198.51.100.23');
  // Blocked by a case now closed, and relied on by an open one (for which it was already in place): it stays.
  await closeAsTruePositive(await contained(['block-ip'], '203.0.113.88'));
  const relyingCase = await contained(['block-ip'], '203.0.113.88');
  expect((await relyingCase.query(caseStateQuery)).containment).toEqual([
    expect.objectContaining({ action: 'block-ip', status: 'already-in-place' }),
  ]);
  const kept = ['192.0.2.66/32', '198.51.100.23/32', '203.0.113.88/32'];
  expect(blockedRanges()).toEqual(sorted([...kept, '203.0.113.77/32']));

  const expiry = (extra = '') => ({
    ...routine(`check: expired-ip-blocks\nschedule: { every: 1d }\nmode: act\nparameters: { closedFor: 1m }\n${extra}`),
    id,
  });
  // Closed minutes ago: not expired yet.
  expect(await runRoutine(temporal.client, taskQueue, expiry(), `${id}-run-early`)).toMatchObject({ found: 0 });

  // Closed cases are the record of the blocks: a closedFor beyond the namespace's retention is refused by name.
  const beyond = {
    ...routine('check: expired-ip-blocks\nschedule: { every: 1d }\nmode: act\nparameters: { closedFor: 3650d }'),
    id,
  };
  expect((await runRoutine(temporal.client, taskQueue, beyond, `${id}-run-beyond`)).failed).toMatch(
    /^closedFor \(3650d\) must be shorter than the namespace's retention \(/,
  );

  clockAheadMs = 2 * MINUTE;
  try {
    const dry = { ...expiry('dryRun: true'), id: `${id}-dry` };
    expect(await runRoutine(temporal.client, taskQueue, dry, `${id}-run-dry`)).toMatchObject({ found: 1, opened: 1 });
    const dryCase = temporal.client.workflow.getHandle(postureFindingWorkflowId(dry.id, '203.0.113.77'));
    const dryState = await waitForFinding(dryCase, (s) => s.state === 'dry-run', 'the dry run');
    expect(dryState.events.map((e) => e.what)).toContainEqual(
      expect.stringContaining('would remove 203.0.113.77 from the blocked-IP named location'),
    );
    await dryCase.terminate('test finished');
    expect(blockedRanges()).toEqual(sorted([...kept, '203.0.113.77/32']));

    expect(await runRoutine(temporal.client, taskQueue, expiry(), `${id}-run-1`)).toMatchObject({
      found: 1,
      opened: 1,
    });
    const finding = temporal.client.workflow.getHandle(postureFindingWorkflowId(id, '203.0.113.77'));
    const removed: FindingCase = await finding.result();
    expect(removed).toMatchObject({ state: 'fixed-automatically', subject: { id: '203.0.113.77' } });
    expect(removed.containment).toEqual([expect.objectContaining({ action: 'block-ip', status: 'undone' })]);
    expect(blockedRanges()).toEqual(kept);
    expect(await finding.query(findingStateQuery)).toMatchObject({ state: 'fixed-automatically' });
    await recordHistory('posture finding expired ip block removed', finding);

    // The next run finds nothing more to do: the open cases' blocks and the foreign range stay.
    expect(await runRoutine(temporal.client, taskQueue, expiry(), `${id}-run-2`)).toMatchObject({ found: 0 });
    expect(blockedRanges()).toEqual(kept);
  } finally {
    clockAheadMs = 0;
    await openCase.terminate('test finished').catch(() => undefined);
    await relyingCase.terminate('test finished').catch(() => undefined);
  }
});

test('drift guard: an account re-enabled outside the product is disabled again and the case says so; report mode records only; a dry run tells nobody', async () => {
  const id = `drift-${randomUUID().slice(0, 8)}`;
  const jdoe = () => standIn.state.users.find((u) => u.userPrincipalName === 'jdoe@contoso.example')!;
  const handle = await contained(['disable-account'], '203.0.113.99');
  try {
    expect(jdoe().accountEnabled).toBe(false);
    const drift = (mode: string, extra = '') => ({
      ...routine(`check: containment-drift\nschedule: { every: 15m }\nmode: ${mode}\n${extra}`),
      id,
    });
    // Nothing has drifted yet.
    expect(await runRoutine(temporal.client, taskQueue, drift('act'), `${id}-run-0`)).toMatchObject({ found: 0 });

    jdoe().accountEnabled = true; // an administrator re-enables the account in Entra
    expect(await runRoutine(temporal.client, taskQueue, drift('act', 'dryRun: true'), `${id}-run-dry`)).toMatchObject({
      found: 1,
      opened: 0,
    });
    expect((await handle.query(caseStateQuery)).drift ?? []).toEqual([]);

    expect(await runRoutine(temporal.client, taskQueue, drift('act'), `${id}-run-1`)).toMatchObject({
      found: 1,
      opened: 1,
    });
    const reapplied = await waitForCase(
      handle,
      (s) => s.drift?.some((d) => d.status === 're-applied') === true,
      'the re-applied drift',
    );
    expect(jdoe().accountEnabled).toBe(false);
    expect(reapplied.containment).toEqual([expect.objectContaining({ action: 'disable-account', status: 'applied' })]);
    expect(reapplied.escalations.map((e) => e.reason)).toContainEqual(
      expect.stringContaining('containment drifted: Disable account jdoe@contoso.example'),
    );

    jdoe().accountEnabled = true;
    expect(await runRoutine(temporal.client, taskQueue, drift('report'), `${id}-run-2`)).toMatchObject({
      found: 1,
      opened: 1,
    });
    const recorded = await waitForCase(
      handle,
      (s) => s.drift?.some((d) => d.status === 'recorded' && d.runId === `${id}-run-2`) === true,
      'the recorded drift',
    );
    expect(jdoe().accountEnabled).toBe(true);
    expect(recorded.escalations).toHaveLength(reapplied.escalations.length);
    await recordHistory('posture run containment drift', temporal.client.workflow.getHandle(`${id}-run-1`));
  } finally {
    jdoe().accountEnabled = true;
    await handle.terminate('test finished').catch(() => undefined);
  }
});
