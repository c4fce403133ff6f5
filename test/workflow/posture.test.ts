import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { postureSubjects } from '../../activities/in-memory/posture-seed';
import type { World } from '../../activities/in-memory/world';
import { AlertDispatcher } from '../../client/intake/dispatch';
import { findingAnswerSignal, findingUndoSignal } from '../../common/messages/posture';
import { postureFindingWorkflowId, type FindingCase } from '../../common/posture';
import { staticCatalog } from '../../common/rules';
import type { createPostureActivities } from '../../activities/posture';
import { recordHistory } from '../harness/histories';
import { ANALYST, postureWorker, postureWorld, routine, runRoutine, waitForFinding } from '../harness/posture';
import { startTimeSkipping, uniqueTaskQueue, type TimeSkippingHarness } from '../harness/temporal';

const MINUTE = 60_000;
const DAY = 86_400_000;
const SPONSOR = { id: '11111111-1111-4111-8111-111111111111', upn: 'jdoe@contoso.example' };

let harness: TimeSkippingHarness;
beforeAll(async () => {
  harness = await startTimeSkipping();
});
afterAll(async () => {
  await harness?.teardown();
});

const staleGuests = (extra = '') =>
  routine(
    `check: stale-guests\nschedule: { every: 1d }\nmode: ask-then-act\nparameters: { inactiveFor: 90d, answerWithin: 3d, snoozeFor: 30d, undoWindow: 7d }\n${extra}`,
  );

/** One routine against a fresh world on its own task queue; findings still open at the end are terminated. */
async function withRoutine<T>(
  body: (ctx: {
    world: World;
    taskQueue: string;
    runIds: string[];
    run: (r: ReturnType<typeof routine>) => ReturnType<typeof runRoutine>;
  }) => Promise<T>,
  options: Omit<Parameters<typeof postureWorker>[0], 'connection' | 'taskQueue' | 'world'> = {},
): Promise<T> {
  const world = postureWorld();
  const taskQueue = uniqueTaskQueue('posture');
  const worker = await postureWorker({ connection: harness.env.nativeConnection, taskQueue, world, ...options });
  const started: string[] = [];
  try {
    return await worker.runUntil(
      body({
        world,
        taskQueue,
        runIds: started,
        run: (r) => {
          const id = `posture-run-test-${randomUUID()}`;
          started.push(id);
          return runRoutine(harness.env.client, taskQueue, r, id);
        },
      }),
    );
  } finally {
    for (const subject of Object.values(postureSubjects)) {
      await harness.env.client.workflow
        .getHandle(postureFindingWorkflowId('r', subject))
        .terminate('test finished')
        .catch(() => undefined);
    }
  }
}

const finding = (subject: string) => harness.env.client.workflow.getHandle(postureFindingWorkflowId('r', subject));
const asked = (s: FindingCase) => s.state === 'asking' && Boolean(s.question?.messageRef);

test('dry run: the finding is recorded with what would be done; nobody is asked and nothing changes', async () => {
  await withRoutine(async ({ world, run }) => {
    await run(staleGuests('dryRun: true\nrecheckEvery: 30d'));
    const state = await waitForFinding(
      finding(postureSubjects.staleGuest),
      (s) => s.state === 'dry-run',
      'the dry run',
    );
    expect(state.events.map((e) => e.what)).toContainEqual(expect.stringContaining('would ask jdoe@contoso.example'));
    await harness.env.sleep(5 * DAY);
    expect(world.data.questions).toHaveLength(0);
    expect(world.data.escalations).toHaveLength(0);
    expect(world.data.effectLog).toHaveLength(0);
  });
});

test('privileged accounts without MFA: only the admin without a method is asked; silence tells the SOC; registering fixes it', async () => {
  await withRoutine(async ({ world, run }) => {
    const r = routine(
      'check: privileged-without-mfa\nschedule: { every: 12h }\nmode: ask-then-act\nrecheckEvery: 10d\nparameters: { registerWithin: 2d }',
    );
    expect(await run(r)).toMatchObject({ found: 1, opened: 1 });
    const handle = finding(postureSubjects.adminWithoutMfa);
    await waitForFinding(handle, asked, 'the admin asked');
    expect(world.data.questions[0]!.user).toMatchObject({ objectId: postureSubjects.adminWithoutMfa });

    await harness.env.sleep(2 * DAY + MINUTE);
    await waitForFinding(handle, (s) => s.state === 'escalated', 'the SOC told');
    expect(world.data.escalations).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('no MFA method registered') }),
    ]);
    expect(world.data.effectLog).toHaveLength(0);

    world.findUser({ objectId: postureSubjects.adminWithoutMfa }).posture!.methodsRegistered = ['fido2'];
    await harness.env.sleep(10 * DAY + MINUTE);
    const fixed = await waitForFinding(handle, (s) => s.state === 'fixed-by-people', 'the registration noticed');
    expect(fixed.closedAt).toBeDefined();
    await recordHistory('posture finding privileged without mfa escalate then fixed', handle);
  });
});

test('stale guests: only the stale, enabled guest is found; silence disables it, and an undo re-enables it', async () => {
  await withRoutine(async ({ world, run, runIds }) => {
    const result = await run(staleGuests());
    await recordHistory('posture run stale guests', harness.env.client.workflow.getHandle(runIds[0]!));
    expect(result).toMatchObject({ found: 1, opened: 1 });
    const handle = finding(postureSubjects.staleGuest);
    await waitForFinding(handle, asked, 'the sponsor asked');
    expect(world.data.questions).toHaveLength(1);
    expect(world.data.questions[0]!.user).toMatchObject({ objectId: SPONSOR.id });

    await harness.env.sleep(3 * DAY + MINUTE);
    const disabled = await waitForFinding(handle, (s) => s.state === 'fixed-automatically', 'the guest disabled');
    expect(disabled.containment).toEqual([expect.objectContaining({ action: 'disable-account', status: 'applied' })]);
    expect(world.findUser({ objectId: postureSubjects.staleGuest }).accountEnabled).toBe(false);
    expect(world.data.questionUpdates.map((u) => u.outcome)).toEqual(['expired']);

    await handle.signal(findingUndoSignal, { by: SPONSOR.upn, requestId: randomUUID() });
    await waitForFinding(handle, (s) => s.state === 'undone', 'the undo');
    expect(world.findUser({ objectId: postureSubjects.staleGuest }).accountEnabled).toBe(true);
    expect(
      world.effectCount(world.findUser({ objectId: postureSubjects.staleGuest }).userPrincipalName, 'disable-account'),
    ).toBe(1);
    await recordHistory('posture finding stale guest silence disable undo', handle);
  });
});

test('stale guests: "keep" snoozes and asks again after the snooze; "remove" from a stranger is refused, from the sponsor disables', async () => {
  await withRoutine(async ({ world, run }) => {
    await run(staleGuests());
    const handle = finding(postureSubjects.staleGuest);
    await waitForFinding(handle, asked, 'the sponsor asked');
    await handle.signal(findingAnswerSignal, { by: SPONSOR.upn, answer: 'keep', requestId: randomUUID() });
    await waitForFinding(handle, (s) => s.state === 'snoozed', 'the snooze');
    expect(world.findUser({ objectId: postureSubjects.staleGuest }).accountEnabled).toBe(true);

    await harness.env.sleep(30 * DAY + MINUTE);
    await waitForFinding(handle, (s) => asked(s) && s.question?.answer === undefined, 'the second question');
    await handle.signal(findingAnswerSignal, {
      by: 'someone@contoso.example',
      answer: 'remove',
      requestId: randomUUID(),
    });
    await handle.signal(findingAnswerSignal, { by: SPONSOR.id, answer: 'remove', requestId: randomUUID() });
    const state = await waitForFinding(handle, (s) => s.state === 'fixed-automatically', 'the guest disabled');
    expect(state.events.map((e) => e.what)).toContainEqual(expect.stringContaining('refused'));
    expect(world.findUser({ objectId: postureSubjects.staleGuest }).accountEnabled).toBe(false);
  });
});

test('a finding that persists across runs stays one case, asked once', async () => {
  await withRoutine(async ({ world, run }) => {
    expect(await run(staleGuests())).toMatchObject({ found: 1, opened: 1 });
    await waitForFinding(finding(postureSubjects.staleGuest), asked, 'the sponsor asked');
    expect(await run(staleGuests())).toMatchObject({ found: 1, opened: 0 });
    const state = await waitForFinding(
      finding(postureSubjects.staleGuest),
      (s) => s.seenInRuns.length === 2,
      'the second run seen',
    );
    expect(state.state).toBe('asking');
    expect(world.data.questions).toHaveLength(1);
  });
});

test('risky users: only the high-risk user at risk gets a triage case through the intake, once across runs', async () => {
  const taskQueueRef: { current?: string } = {};
  const submitted: { outcome: string; workflowId: string }[] = [];
  const intake = {
    submit: async (alert: Parameters<AlertDispatcher['dispatch']>[0]['alert']) => {
      const result = await new AlertDispatcher({
        client: harness.env.client,
        taskQueue: taskQueueRef.current!,
        rules: staticCatalog({
          'posture-risky-user': { mode: 'confirm-with-user', containmentActions: ['revoke-sessions'] },
        }),
        analysts: [ANALYST],
        timeoutMs: 30_000,
        correlationTimeoutMs: 5_000,
        maxInFlight: 4,
        maxQueued: 10,
        correlate: false,
      }).dispatch({ kind: 'create', alert });
      submitted.push(result);
      return result;
    },
  };
  await withRoutine(
    async ({ world, taskQueue, run }) => {
      taskQueueRef.current = taskQueue;
      const r = routine('check: risky-users-without-case\nschedule: { every: 1h }\nmode: act');
      const first = await run(r);
      expect(first).toMatchObject({ found: 1, opened: 1 });
      expect(await run(r)).toMatchObject({ found: 1, opened: 0 });
      const cases = new Set(submitted.map((s) => s.workflowId));
      expect(submitted.map((s) => s.outcome)).toEqual(['started', 'duplicate']);
      expect(cases.size).toBe(1);
      for (;;) {
        if (world.data.questions.some((q) => q.user.objectId === postureSubjects.riskyUser)) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      await harness.env.client.workflow.getHandle([...cases][0]!).terminate('test finished');
    },
    { intake },
  );
});

test('a run that crashes after opening part of its findings opens no case twice on its retry', async () => {
  const wrap = (activities: ReturnType<typeof createPostureActivities>) => ({
    ...activities,
    async openPostureFindings(request: Parameters<typeof activities.openPostureFindings>[0]) {
      if (Context.current().info.attempt === 1) {
        await activities.openPostureFindings({ ...request, findings: request.findings.slice(0, 1) });
        throw ApplicationFailure.create({ message: 'worker lost', nextRetryDelay: 10 });
      }
      return activities.openPostureFindings(request);
    },
  });
  await withRoutine(
    async ({ world, run }) => {
      world.findUser({ objectId: postureSubjects.freshGuest }).posture!.lastSignInDateTime = new Date(
        Date.now() - 120 * DAY,
      ).toISOString();
      const result = await run(staleGuests());
      expect(result).toMatchObject({ found: 2, opened: 1 });
      const first = await waitForFinding(finding(postureSubjects.staleGuest), asked, 'the first asked');
      await waitForFinding(finding(postureSubjects.freshGuest), asked, 'the second asked');
      expect(first.seenInRuns).toHaveLength(1);
      expect(world.data.questions).toHaveLength(2);
    },
    { wrap },
  );
});
