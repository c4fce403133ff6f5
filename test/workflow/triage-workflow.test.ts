import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { randomUUID } from 'node:crypto';
import { sendAnswer, submitAlert } from '../../client/triage-client';
import type { RulePolicyInput } from '../../common/policy';
import type { CaseState, TriageInput } from '../../common/triage';
import {
  analystDecisionUpdate,
  answerQuestionUpdate,
  relatedAlertSignal,
  requestOutcomeQuery,
} from '../../common/messages/triage';
import { ANALYST, JDOE, makeAlert, makeInput } from '../harness/alerts';
import { waitForCase, waitForSettledCase } from '../harness/cases';
import { recordHistory } from '../harness/histories';
import {
  startTimeSkipping,
  triageWorker,
  uniqueTaskQueue,
  workflowBundle,
  testDataConverter,
  type TimeSkippingHarness,
} from '../harness/temporal';
import { createTriageWorker } from '../../workers/worker';
import { workflowTypes } from '../../common/workflow-types';

const MINUTE = 60_000;

let harness: TimeSkippingHarness;

beforeAll(async () => {
  harness = await startTimeSkipping();
});
afterAll(async () => {
  await harness?.teardown();
});

/** Runs one triage case against a fresh in-memory world on its own task queue. */
async function runCase<T>(
  input: TriageInput,
  body: (ctx: { handle: Awaited<ReturnType<typeof start>>; world: World }) => Promise<T>,
  prepare?: (world: World) => void,
): Promise<T> {
  const path = expect.getState().currentTestName ?? 'case';
  const world = World.create(demoSeed());
  prepare?.(world);
  const taskQueue = uniqueTaskQueue('triage');
  const worker = await triageWorker(harness.env.nativeConnection, taskQueue, createInMemoryPorts(world));
  const handle = await start(input, taskQueue);
  try {
    const result = await worker.runUntil(body({ handle, world }));
    await recordHistory(path, handle);
    return result;
  } finally {
    await finishCase(handle);
  }
}

/**
 * Ends a case that is still running. The shared test server does not skip time while an activity is outstanding, so
 * the case is first left to finish its in-flight activities.
 */
async function finishCase(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const description = await handle.describe().catch(() => undefined);
    if (!description || description.status.name !== 'RUNNING' || !description.raw.pendingActivities?.length) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await handle.terminate('test finished').catch(() => undefined);
}

function start(input: TriageInput, taskQueue: string) {
  return harness.env.client.workflow.start(workflowTypes.triage, {
    workflowId: `triage-test-${input.alert.sourceAlertId}`,
    taskQueue,
    args: [input],
  });
}

const confirm: RulePolicyInput = {
  mode: 'confirm-with-user',
  stepUp: false, // these tests are about the answer itself; step-up: test/e2e/step-up.test.ts
  containmentActions: ['disable-account', 'revoke-sessions'],
};
const askedUser = (s: CaseState) => s.triageState === 'awaiting-user' && Boolean(s.question?.messageRef);

/** The activity type a local activity's marker records (Core's marker: a JSON `data` detail). */
function localActivityType(
  marker:
    | {
        markerName?: string | null;
        details?: Record<string, { payloads?: { data?: Uint8Array | null }[] | null }> | null;
      }
    | null
    | undefined,
): string[] {
  if (marker?.markerName !== 'core_local_activity') return [];
  const data = marker.details?.data?.payloads?.[0]?.data;
  return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string }).activity_type] : [];
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return String((err as WorkflowUpdateFailedError).cause?.message);
  }
  throw new Error('the update was accepted');
}

test('silence escalates with "no response" exactly at the 30-minute deadline, in well under a second of wall time', async () => {
  await runCase(makeInput(confirm), async ({ handle, world }) => {
    const asked = await waitForSettledCase(handle, askedUser, 'the question');
    const wallStart = Date.now();
    await harness.env.sleep(29 * MINUTE);
    const before = await waitForCase(handle, () => true);
    expect(before.escalations).toHaveLength(0);
    expect(before.question?.outcome).toBeUndefined();
    await harness.env.sleep(1 * MINUTE + 1_000);
    const state = await waitForSettledCase(handle, (s) => s.escalations.length > 0, 'the escalation');
    const wallMs = Date.now() - wallStart;

    expect(state.escalations[0]!.reason).toBe('no response');
    expect(Date.parse(state.escalations[0]!.at) - Date.parse(asked.question!.askedAt)).toBeGreaterThanOrEqual(
      30 * MINUTE,
    );
    expect(Date.parse(state.escalations[0]!.at) - Date.parse(asked.question!.askedAt)).toBeLessThan(
      31 * MINUTE + 2_000,
    );
    expect(state.question?.outcome).toBe('expired');
    expect(state.triageState).toBe('awaiting-analyst');
    expect(world.data.questionUpdates.map((u) => u.outcome)).toEqual(['expired']);
    expect(world.data.escalations[0]!.reason).toBe('no response');
    console.log(`30 minutes of workflow time took ${wallMs} ms of wall time`);
    expect(wallMs).toBeLessThan(60_000);
  });
});

test('the deadline wakes the case once: the card update and the escalation are posted inside that one workflow task', async () => {
  await runCase(makeInput(confirm), async ({ handle, world }) => {
    await waitForSettledCase(handle, askedUser, 'the question');
    await harness.env.sleep(31 * MINUTE);
    await waitForSettledCase(handle, (s) => s.escalations.length > 0, 'the escalation');
    const events = (await handle.fetchHistory()).events ?? [];
    const deadline = events.findIndex((e) => e.timerFiredEventAttributes);
    expect(deadline).toBeGreaterThan(0);
    const afterDeadline = events.slice(deadline);
    // Ask the history what a reader of `temporal workflow show` would: one task, the two messages as its markers.
    expect(afterDeadline.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(afterDeadline.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    expect(afterDeadline.flatMap((e) => localActivityType(e.markerRecordedEventAttributes)).sort()).toEqual([
      'escalate',
      'updateQuestion',
    ]);
    expect(world.data.questionUpdates.map((u) => u.outcome)).toEqual(['expired']);
    expect(world.data.escalations.map((e) => e.reason)).toEqual(['no response']);
  });
});

test('"it was me" closes the alert as benign and replaces the card', async () => {
  const result = await runCase(makeInput(confirm), async ({ handle, world }) => {
    await waitForCase(handle, askedUser, 'the question');
    const answer = await handle.executeUpdate(answerQuestionUpdate, {
      args: [{ userId: JDOE.id, answer: 'it-was-me' }],
    });
    expect(answer.disposition).toBe('benign-positive');
    const state = (await handle.result()) as CaseState;
    expect(world.data.questionUpdates).toEqual([expect.objectContaining({ outcome: 'answered', answer: 'it-was-me' })]);
    expect(world.data.escalations).toHaveLength(0);
    return state;
  });
  expect(result).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'user' });
  expect(result.triagedAt).toBeDefined();
  expect(result.closedAt).toBeDefined();
});

test('"it was me" on a rule that requires review holds the case for an analyst', async () => {
  await runCase(makeInput({ ...confirm, onUserConfirms: 'review' }), async ({ handle, world }) => {
    await waitForCase(handle, askedUser, 'the question');
    await handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.upn, answer: 'it-was-me' }] });
    const state = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the review escalation');
    expect(state.triageState).toBe('awaiting-analyst');
    expect(state.escalations[0]!.reason).toMatch(/requires analyst review/);
    expect(world.data.escalations).toHaveLength(1);
  });
});

test('"it wasn\'t me" makes a true positive, contains when the policy allows, escalates, and a false-positive verdict undoes in reverse order', async () => {
  const input = makeInput({
    ...confirm,
    containOnUserDenial: true,
    containmentActions: ['disable-account', 'revoke-sessions', 'isolate-host', 'block-ip'],
  });
  await runCase(input, async ({ handle, world }) => {
    await waitForCase(handle, askedUser, 'the question');
    await handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-not-me' }] });
    const contained = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'containment and escalation');
    expect(contained.disposition).toBe('true-positive');
    expect(contained.triageState).toBe('contained');
    expect(contained.containment.map((c) => [c.action, c.status])).toEqual([
      ['disable-account', 'applied'],
      ['revoke-sessions', 'applied'],
      ['isolate-host', 'applied'],
      ['block-ip', 'applied'],
    ]);
    expect(world.findUser({ objectId: JDOE.id }).accountEnabled).toBe(false);
    expect(world.data.escalations[0]!.reason).toMatch(/not them/);

    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
    });
    const closed = (await handle.result()) as CaseState;
    expect(closed).toMatchObject({ triageState: 'closed', disposition: 'false-positive' });
    expect(closed.containment.map((c) => c.status)).toEqual(['undone', 'undone', 'undone', 'undone']);
    expect(world.findUser({ objectId: JDOE.id }).accountEnabled).toBe(true);
    expect(world.findHost('laptop-jdoe.contoso.example').isolated).toBe(false);
    expect(world.data.blockedIps).toEqual([]);
    // Undo ran newest first: the IP block was lifted before the host was released, before the account was enabled.
    expect(world.data.effectLog.slice(4).map((e) => e.action)).toEqual([
      'unblock-ip',
      'release-host',
      'enable-account',
    ]);
  });
});

test('an auto-contain rule skips the question, contains, escalates for review, and undo restores only what the case changed', async () => {
  const input = makeInput({
    mode: 'auto-contain',
    containmentActions: ['disable-account', 'isolate-host', 'block-ip'],
  });
  await runCase(
    input,
    async ({ handle, world }) => {
      const state = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'auto-containment');
      expect(state.question).toBeUndefined();
      expect(world.data.questions).toHaveLength(0);
      expect(state).toMatchObject({ disposition: 'true-positive', settledBy: 'automation', triageState: 'contained' });
      expect(state.containment.map((c) => [c.action, c.status])).toEqual([
        ['disable-account', 'applied'],
        ['isolate-host', 'already-in-place'],
        ['block-ip', 'applied'],
      ]);
      await handle.executeUpdate(analystDecisionUpdate, {
        args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
      });
      const closed = (await handle.result()) as CaseState;
      expect(world.findUser({ objectId: JDOE.id }).accountEnabled).toBe(true);
      // The host was isolated before this case; a false positive here must not release it.
      expect(world.findHost('laptop-jdoe.contoso.example').isolated).toBe(true);
      expect(closed.containment.find((c) => c.action === 'isolate-host')!.status).toBe('already-in-place');
      expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(1);
      expect(world.effectCount(JDOE.upn, 'enable-account')).toBe(1);
    },
    (world) => {
      world.findHost('laptop-jdoe.contoso.example').isolated = true;
    },
  );
});

test('an analyst rule escalates at once and escalates again when the analysts stay silent', async () => {
  await runCase(makeInput({ mode: 'analyst', analystDecisionTimeoutMs: 60 * MINUTE }), async ({ handle, world }) => {
    await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the first escalation');
    expect(world.data.questions).toHaveLength(0);
    await harness.env.sleep(61 * MINUTE);
    const state = await waitForSettledCase(handle, (s) => s.escalations.length === 2, 'the second escalation');
    expect(state.escalations[1]!.reason).toBe('no analyst decision within 1 h');
    expect(world.data.escalations.map((e) => e.attempt)).toEqual([1, 2]);
  });
});

test('an analyst can take over while the user is being asked: the question is withdrawn and the decision applied', async () => {
  await runCase(makeInput(confirm), async ({ handle, world }) => {
    await waitForCase(handle, askedUser, 'the question');
    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'contain', actions: ['disable-account'] }],
    });
    const state = await waitForCase(handle, (s) => s.decisions.length === 1, 'the decision');
    expect(state.question?.outcome).toBe('withdrawn');
    expect(state).toMatchObject({ triageState: 'contained', disposition: 'true-positive', settledBy: 'analyst' });
    expect(world.data.questionUpdates.map((u) => u.outcome)).toEqual(['withdrawn']);
    const late = await rejection(
      handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-me' }] }),
    );
    expect(late).toMatch(/security team has taken over/);

    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'release-containment' }],
    });
    const released = await waitForCase(handle, (s) => s.decisions.length === 2, 'the release');
    expect(released.containment[0]!.status).toBe('undone');
    expect(world.findUser({ objectId: JDOE.id }).accountEnabled).toBe(true);
    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'close-true-positive' }],
    });
    expect(((await handle.result()) as CaseState).disposition).toBe('true-positive');
  });
});

test('answers from the wrong person, second answers, late answers and non-analyst decisions are rejected without changing the case', async () => {
  await runCase(makeInput(confirm), async ({ handle }) => {
    await waitForCase(handle, askedUser, 'the question');
    expect(
      await rejection(
        handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: 'mlee@contoso.example', answer: 'it-was-me' }] }),
      ),
    ).toMatch(/only jdoe@contoso.example can answer/);
    expect(
      await rejection(
        handle.executeUpdate(analystDecisionUpdate, { args: [{ analystId: JDOE.id, decision: 'close-benign' }] }),
      ),
    ).toMatch(/not a configured analyst/);
    const unchanged = await waitForCase(handle, askedUser, 'the unchanged question');
    expect(unchanged.question?.answer).toBeUndefined();
    expect(unchanged.decisions).toHaveLength(0);

    await handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-not-me' }] });
    expect(
      await rejection(handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-me' }] })),
    ).toMatch(/already been answered/);
    const state = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the escalation');
    expect(state.question?.answer?.answer).toBe('it-was-not-me');
  });

  await runCase(makeInput(confirm), async ({ handle }) => {
    await waitForSettledCase(handle, askedUser, 'the question');
    await harness.env.sleep(31 * MINUTE);
    await waitForCase(handle, (s) => s.question?.outcome === 'expired', 'expiry');
    expect(
      await rejection(handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-me' }] })),
    ).toMatch(/expired/);
  });
});

test('a question that cannot be delivered escalates at once with the reason', async () => {
  await runCase(
    makeInput(confirm),
    async ({ handle, world }) => {
      const state = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the escalation');
      expect(state.escalations[0]!.reason).toBe('the question could not be delivered: the user has blocked the bot');
      expect(state.question?.outcome).toBe('undeliverable');
      expect(world.data.questions).toHaveLength(0);
    },
    (world) => {
      world.data.undeliverable[JDOE.id] = 'the user has blocked the bot';
    },
  );
});

test('each enrichment source fails on its own: a permanent failure reads "unavailable", a transient one is retried', async () => {
  await runCase(
    makeInput({ mode: 'analyst' }),
    async ({ handle }) => {
      const state = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the escalation');
      const e = state.enrichment!;
      expect(e.groups).toEqual({
        status: 'unavailable',
        reason: 'Insufficient privileges: grant GroupMember.Read.All',
      });
      expect(e.signIns.status).toBe('ok');
      expect(e.profile).toMatchObject({
        status: 'ok',
        data: { displayName: 'Jane Doe', manager: { displayName: 'Morgan Lee' } },
      });
      if (e.signIns.status === 'ok') {
        expect(e.signIns.data.distinctIps.map((d) => d.ip).sort()).toEqual(['198.51.100.7', '203.0.113.50']);
        expect(e.signIns.data.failures).toBe(1);
      }
      expect(e.host).toMatchObject({ status: 'ok', data: { name: 'laptop-jdoe.contoso.example' } });
    },
    (world) => {
      world.data.faults.groupMemberships = {
        kind: 'permanent',
        message: 'Insufficient privileges: grant GroupMember.Read.All',
      };
      world.data.faults.signIns = { kind: 'transient', message: 'throttled', times: 2, retryAfterMs: 1_000 };
    },
  );
});

test('a containment action that fails for good is recorded with its reason and escalated', async () => {
  const alert = makeAlert({ entities: { userPrincipalName: 'asmith@contoso.example', sourceIp: '192.0.2.10' } });
  await runCase(
    makeInput({ mode: 'auto-contain', containmentActions: ['disable-account', 'block-ip'] }, alert),
    async ({ handle }) => {
      const state = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the escalation');
      expect(state.containment[0]).toMatchObject({
        action: 'disable-account',
        status: 'failed',
        detail: 'asmith@contoso.example is synced from on-premises AD — disable it there',
      });
      expect(state.containment[1]).toMatchObject({ action: 'block-ip', status: 'applied' });
      expect(state.escalations[0]!.reason).toMatch(
        /disable-account failed \(asmith@contoso.example is synced from on-premises AD/,
      );
    },
  );
});

test('a redelivered alert starts no second workflow and is recorded once; the user is asked once', async () => {
  const world = World.create(demoSeed());
  const taskQueue = uniqueTaskQueue('triage');
  const worker = await triageWorker(harness.env.nativeConnection, taskQueue, createInMemoryPorts(world));
  const { alert, policy, analysts } = makeInput(confirm);
  await worker.runUntil(async () => {
    const first = await submitAlert(harness.env.client, { alert, policy, analysts, taskQueue });
    const second = await submitAlert(harness.env.client, { alert, policy, analysts, taskQueue });
    const third = await submitAlert(harness.env.client, { alert, policy, analysts, taskQueue });
    expect([first.outcome, second.outcome, third.outcome]).toEqual(['started', 'duplicate', 'duplicate']);
    expect(second.workflowId).toBe(first.workflowId);
    const handle = harness.env.client.workflow.getHandle(first.workflowId);
    await handle.signal(relatedAlertSignal, {
      source: 'generic',
      sourceAlertId: 'other-1',
      kind: 'related',
      ruleId: alert.ruleId,
    });
    const state = await waitForCase(handle, (s) => s.relatedAlertCount === 2 && askedUser(s), 'related alerts');
    expect(state.relatedAlerts.map((r) => [r.sourceAlertId, r.kind])).toEqual([
      [alert.sourceAlertId, 'redelivery'],
      ['other-1', 'related'],
    ]);
    expect(world.data.questions).toHaveLength(1);
    await recordHistory('redelivered alert', handle);
    await finishCase(handle);
  });
});

test('context lost on every attempt (crashed workers, timeouts) reads "unavailable" with the reason, and the case goes on to ask the user', async () => {
  const world = World.create(demoSeed());
  const taskQueue = uniqueTaskQueue('triage-lost-context');
  let attempts = 0;
  const worker = await createTriageWorker({
    connection: harness.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    ports: createInMemoryPorts(world),
    dataConverter: testDataConverter(),
    workflowBundle: workflowBundle(),
    // Every attempt dies the way a killed worker's does: retryable, never completing.
    extraActivities: {
      async gatherContext() {
        attempts += 1;
        throw ApplicationFailure.create({ message: 'worker lost mid-attempt', type: 'WorkerLost' });
      },
    },
  });
  const handle = await start(makeInput(confirm), taskQueue);
  try {
    const state = await worker.runUntil(
      waitForSettledCase(handle, askedUser, 'the question despite no context', 60_000),
    );
    expect(attempts).toBe(5);
    expect(state.enrichment?.profile).toEqual({
      status: 'unavailable',
      reason: expect.stringContaining('worker lost mid-attempt'),
    });
    expect(world.data.questions).toHaveLength(1);
    await recordHistory(expect.getState().currentTestName ?? 'lost context', handle);
  } finally {
    await finishCase(handle);
  }
});

test('the reminder is sent before the deadline, and the deadline counts from the moment the question was delivered', async () => {
  const policy: RulePolicyInput = {
    ...confirm,
    confirmationTimeoutMs: 30 * MINUTE,
    reminderBeforeDeadlineMs: 10 * MINUTE,
  };
  await runCase(makeInput(policy), async ({ handle, world }) => {
    const asked = await waitForSettledCase(handle, askedUser, 'the question');
    expect(Date.parse(asked.question!.deadline) - Date.parse(asked.question!.askedAt)).toBeGreaterThanOrEqual(
      30 * MINUTE,
    );
    await harness.env.sleep(19 * MINUTE);
    expect(world.data.reminders).toHaveLength(0);
    await harness.env.sleep(2 * MINUTE);
    const reminded = await waitForSettledCase(handle, (s) => Boolean(s.question?.remindedAt), 'the reminder');
    expect(world.data.reminders).toEqual([
      expect.objectContaining({
        workflowId: handle.workflowId,
        messageRef: asked.question!.messageRef,
        deadline: asked.question!.deadline,
      }),
    ]);
    expect(Date.parse(reminded.question!.remindedAt!)).toBeLessThan(Date.parse(asked.question!.deadline));
    await harness.env.sleep(10 * MINUTE);
    const expired = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the escalation');
    expect(expired.escalations[0]!.reason).toBe('no response');
    expect(world.data.reminders).toHaveLength(1);
  });
});

test('after a false-positive close the SOC card shows the case as it ends: disposition, state and what was undone', async () => {
  const input = makeInput({ mode: 'auto-contain', containmentActions: ['disable-account', 'block-ip'] });
  await runCase(input, async ({ handle, world }) => {
    await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'auto-containment');
    expect(world.data.caseCards).toHaveLength(0);
    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
    });
    await handle.result();
    const [card] = world.data.caseCards;
    expect(card).toMatchObject({
      workflowId: handle.workflowId,
      messageRef: 'soc-card-1',
      disposition: 'false-positive',
      closed: true,
      decided: { decision: 'close-false-positive', by: ANALYST },
    });
    expect(card!.containment.map((c) => [c.action, c.status])).toEqual([
      ['disable-account', 'undone'],
      ['block-ip', 'undone'],
    ]);
    expect(card!.summary).toMatch(/false-positive/);
  });
});

/**
 * The user sees the card the moment it is posted, before the posting activity reports back (a worker lost in
 * between, or a quick click). Their answer counts then, and a posting that reports failure afterwards does not undo it.
 */
async function answerWhilePosting(postingEnds: 'reports back' | 'reports failure'): Promise<CaseState> {
  const world = World.create(demoSeed());
  const ports = createInMemoryPorts(world);
  const taskQueue = uniqueTaskQueue('triage-answer-while-posting');
  let answered!: () => void;
  const answerSent = new Promise<void>((resolve) => (answered = resolve));
  const worker = await createTriageWorker({
    connection: harness.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    ports,
    dataConverter: testDataConverter(),
    workflowBundle: workflowBundle(),
    extraActivities: {
      async askUser(question: Parameters<typeof ports.messenger.askUser>[0]) {
        const posted = await ports.messenger.askUser(question);
        await answerSent;
        if (postingEnds === 'reports failure')
          throw ApplicationFailure.nonRetryable('the connection dropped after the post', 'ConnectionReset');
        return posted;
      },
    },
  });
  const handle = await start(makeInput({ ...confirm, onUserConfirms: 'close' }), taskQueue);
  try {
    return await worker.runUntil(async () => {
      await waitForCase(handle, (s) => s.triageState === 'awaiting-user' && world.data.questions.length === 1);
      const requestId = randomUUID();
      await sendAnswer(harness.env.client, handle.workflowId, { userId: JDOE.upn, answer: 'it-was-me' }, { requestId });
      await waitForCase(
        handle,
        (s) => Boolean(s.requests?.some((r) => r.requestId === requestId)),
        'the answer recorded',
      );
      answered();
      const settled = await waitForSettledCase(
        handle,
        (s) => s.triageState === 'closed' || s.escalations.length > 0,
        'the case closed or escalated',
      );
      expect(await handle.query(requestOutcomeQuery, requestId)).toMatchObject({ status: 'applied' });
      return settled;
    });
  } finally {
    await finishCase(handle);
  }
}

test('an answer clicked while the card is still being posted counts, and settles the case once the post reports back', async () => {
  const closed = await answerWhilePosting('reports back');
  expect(closed).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'user' });
  expect(closed.question).toMatchObject({ outcome: 'answered', answer: { answer: 'it-was-me' } });
  expect(closed.question?.messageRef).toBeDefined();
  expect(closed.escalations).toEqual([]);
});

test('an answer clicked on a card whose posting then reports failure still settles the case: the card reached the user', async () => {
  const closed = await answerWhilePosting('reports failure');
  expect(closed).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'user' });
  expect(closed.question).toMatchObject({ outcome: 'answered', answer: { answer: 'it-was-me' } });
  expect(closed.escalations).toEqual([]);
});
