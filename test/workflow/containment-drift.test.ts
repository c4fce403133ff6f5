import type { WorkflowHandle } from '@temporalio/client';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import {
  analystDecisionUpdate,
  containmentDriftSignal,
  type ContainmentDrift,
  type ContainmentDriftReport,
} from '../../common/messages/triage';
import type { RulePolicyInput } from '../../common/policy';
import type { CaseState, TriageInput } from '../../common/triage';
import { workflowTypes } from '../../common/workflow-types';
import { ANALYST, JDOE, makeInput } from '../harness/alerts';
import { waitForCase, waitForSettledCase } from '../harness/cases';
import { recordHistory } from '../harness/histories';
import { startTimeSkipping, triageWorker, uniqueTaskQueue, type TimeSkippingHarness } from '../harness/temporal';

/**
 * The triage case's side of the containment drift guard: an auto-contain rule disables jdoe, then an outside admin
 * re-enables the account and the guard reports it (containmentDriftSignal).
 */

let harness: TimeSkippingHarness;

beforeAll(async () => {
  harness = await startTimeSkipping();
});
afterAll(async () => {
  await harness?.teardown();
});

const autoContain = (policy: Partial<RulePolicyInput> = {}): TriageInput =>
  makeInput({ mode: 'auto-contain', containmentActions: ['disable-account'], ...policy });

const jdoe = (world: World) => world.findUser({ objectId: JDOE.id });
const disabledAccount: ContainmentDrift = {
  action: 'disable-account',
  target: JDOE.upn,
  observedAt: '2026-12-01T12:00:00.000Z',
};
const report = (
  runId: string,
  drifted: ContainmentDrift[] = [disabledAccount],
  mode: ContainmentDriftReport['mode'] = 'act',
): ContainmentDriftReport => ({ runId, routineId: 'containment-drift', mode, drifted });
const driftSettled = (count: number) => (s: CaseState) =>
  (s.drift ?? []).length === count && s.drift!.every((d) => d.status !== 'queued');

/** Runs one case to its automatic containment, with jdoe's account re-enabled from outside afterwards. */
async function runContainedCase(
  input: TriageInput,
  body: (ctx: { handle: WorkflowHandle; world: World; state: CaseState }) => Promise<void>,
): Promise<void> {
  const world = World.create(demoSeed());
  const taskQueue = uniqueTaskQueue('drift');
  const worker = await triageWorker(harness.env.nativeConnection, taskQueue, createInMemoryPorts(world));
  const handle = await harness.env.client.workflow.start(workflowTypes.triage, {
    workflowId: `triage-test-${input.alert.sourceAlertId}`,
    taskQueue,
    args: [input],
  });
  try {
    await worker.runUntil(async () => {
      const contained = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'auto-containment');
      expect(contained.containment).toEqual([
        expect.objectContaining({ action: 'disable-account', status: 'applied' }),
      ]);
      jdoe(world).accountEnabled = true; // an admin, outside this product
      await body({ handle, world, state: contained });
    });
  } finally {
    await handle.terminate('test finished').catch(() => undefined);
  }
}

test('drift of an applied action is re-applied once and escalated; the record stays applied, so undo still releases it', async () => {
  await runContainedCase(autoContain(), async ({ handle, world }) => {
    await handle.signal(containmentDriftSignal, report('drift-run-1'));
    const state = await waitForSettledCase(handle, (s) => driftSettled(1)(s) && s.escalations.length === 2, 'drift');

    expect(jdoe(world).accountEnabled).toBe(false);
    expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(2);
    expect(state.drift).toEqual([
      expect.objectContaining({ action: 'disable-account', target: JDOE.upn, runId: 'drift-run-1' }),
    ]);
    expect(state.drift![0]).toMatchObject({ status: 're-applied', outcome: 're-applied' });
    expect(state.escalations[1]!.reason).toBe(
      `containment drifted: Disable account ${JDOE.upn} was undone outside this product; re-applied`,
    );
    expect(world.data.escalations.map((e) => e.reason)).toHaveLength(2);
    expect(state.containment).toEqual([
      expect.objectContaining({ status: 'applied', detail: 'account disabled (re-applied after drift)' }),
    ]);

    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
    });
    const closed = (await handle.result()) as CaseState;
    expect(closed.containment[0]!.status).toBe('undone');
    expect(jdoe(world).accountEnabled).toBe(true);
    expect(world.effectCount(JDOE.upn, 'enable-account')).toBe(1);
    await recordHistory(expect.getState().currentTestName ?? 'containment drift', handle);
  });
});

test('a re-apply that fails is escalated with the reason; a drift put right meanwhile is re-read and not re-applied', async () => {
  await runContainedCase(autoContain(), async ({ handle, world }) => {
    world.data.faults['disable-account'] = { kind: 'permanent', message: 'Graph said no' };
    await handle.signal(containmentDriftSignal, report('drift-run-1'));
    const failed = await waitForSettledCase(handle, (s) => driftSettled(1)(s) && s.escalations.length === 2, 'drift');
    expect(failed.drift![0]).toMatchObject({ status: 'escalated', outcome: 're-applying failed: Graph said no' });
    expect(failed.escalations[1]!.reason).toBe(
      `containment drifted: Disable account ${JDOE.upn} was undone outside this product; re-applying failed: Graph said no`,
    );
    expect(failed.containment[0]).toMatchObject({ status: 'applied', detail: expect.stringMatching(/Graph said no/) });
    expect(jdoe(world).accountEnabled).toBe(true);

    jdoe(world).accountEnabled = false; // put right by someone before the next report is handled
    await handle.signal(containmentDriftSignal, report('drift-run-2'));
    const state = await waitForSettledCase(handle, (s) => driftSettled(2)(s) && s.escalations.length === 3, 'drift');
    expect(state.drift![1]).toMatchObject({
      status: 'escalated',
      outcome: 'in place again when re-read; nothing re-applied',
    });
    expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(1);
  });
});

test('the same report delivered twice takes effect once', async () => {
  await runContainedCase(autoContain(), async ({ handle, world }) => {
    await handle.signal(containmentDriftSignal, report('drift-run-1'));
    await handle.signal(containmentDriftSignal, report('drift-run-1'));
    // A later report, recorded at once: once it is in, the repeat before it has been handled.
    await handle.signal(containmentDriftSignal, report('drift-run-2', [disabledAccount], 'report'));
    const state = await waitForSettledCase(handle, (s) => driftSettled(2)(s) && s.escalations.length === 2, 'drift');

    expect(state.drift!.map((d) => [d.runId, d.status])).toEqual([
      ['drift-run-1', 're-applied'],
      ['drift-run-2', 'recorded'],
    ]);
    expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(2);
    expect(world.data.escalations).toHaveLength(2);
  });
});

test('a rule with onContainmentDrift: escalate re-applies nothing and escalates', async () => {
  await runContainedCase(autoContain({ onContainmentDrift: 'escalate' }), async ({ handle, world }) => {
    await handle.signal(containmentDriftSignal, report('drift-run-1'));
    const state = await waitForSettledCase(handle, (s) => driftSettled(1)(s) && s.escalations.length === 2, 'drift');

    expect(jdoe(world).accountEnabled).toBe(true);
    expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(1);
    expect(state.drift![0]).toMatchObject({ status: 'escalated', outcome: 'not re-applied: the rule escalates' });
    expect(state.escalations[1]!.reason).toBe(
      `containment drifted: Disable account ${JDOE.upn} was undone outside this product; not re-applied: the rule escalates`,
    );
    expect(state.containment[0]!.status).toBe('applied');
  });
});

test('a report in report mode is recorded only: nothing re-applied, nobody escalated', async () => {
  await runContainedCase(autoContain(), async ({ handle, world }) => {
    await handle.signal(containmentDriftSignal, report('drift-run-1', [disabledAccount], 'report'));
    const state = await waitForSettledCase(handle, driftSettled(1), 'the drift record');

    expect(state.drift![0]).toMatchObject({ status: 'recorded', runId: 'drift-run-1' });
    expect(state.escalations).toHaveLength(1);
    expect(world.data.escalations).toHaveLength(1);
    expect(jdoe(world).accountEnabled).toBe(true);
    expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(1);
  });
});

test('drift of what the case did not apply, or released, is recorded as ignored and never acted on', async () => {
  await runContainedCase(autoContain(), async ({ handle, world }) => {
    const host = 'laptop-jdoe.contoso.example';
    const notApplied: ContainmentDrift[] = [
      { action: 'isolate-host', target: host, observedAt: disabledAccount.observedAt },
      { ...disabledAccount, target: 'asmith@contoso.example' },
    ];
    await handle.signal(containmentDriftSignal, report('drift-run-1', notApplied));
    const ignored = await waitForSettledCase(handle, driftSettled(2), 'the drift records');
    expect(ignored.drift!.map((d) => [d.action, d.target, d.status, d.outcome])).toEqual([
      ['isolate-host', host, 'ignored', 'this case did not apply it'],
      ['disable-account', 'asmith@contoso.example', 'ignored', 'this case did not apply it'],
    ]);

    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'release-containment' }],
    });
    await waitForCase(handle, (s) => s.containment[0]!.status === 'undone', 'the release');
    await handle.signal(containmentDriftSignal, report('drift-run-2'));
    const state = await waitForSettledCase(handle, driftSettled(3), 'the drift record');
    expect(state.drift![2]).toMatchObject({ status: 'ignored', outcome: 'this case released it' });

    expect(state.escalations).toHaveLength(1);
    expect(world.findHost(host).isolated).toBe(false);
    expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(1);
    expect(world.effectCount(JDOE.upn, 'enable-account')).toBe(0);
  });
});
