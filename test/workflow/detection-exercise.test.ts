import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { startExercise } from '../../client/exercise';
import { submitAlert } from '../../client/triage-client';
import { exerciseStatusQuery } from '../../common/messages/exercise';
import { answerQuestionUpdate } from '../../common/messages/triage';
import { parsePolicy } from '../../common/policy';
import { RouteKey } from '../../common/search-attributes';
import type { ExerciseResult } from '../../workflows/exercise/exercise';
import { ANALYST, JDOE, makeAlert } from '../harness/alerts';
import { waitForCase, waitForSettledCase } from '../harness/cases';
import { startTimeSkipping, triageWorker, uniqueTaskQueue, type TimeSkippingHarness } from '../harness/temporal';

const MINUTE = 60_000;
const RULE = 'impossible-travel';

let harness: TimeSkippingHarness;
beforeAll(async () => {
  harness = await startTimeSkipping();
});
afterAll(async () => {
  await harness?.teardown();
});

const confirm = parsePolicy({ mode: 'confirm-with-user', containmentActions: ['disable-account', 'revoke-sessions'] });
const autoContain = parsePolicy({ mode: 'auto-contain', containmentActions: ['disable-account', 'revoke-sessions'] });

async function withWorker<T>(body: (ctx: { taskQueue: string; world: World }) => Promise<T>): Promise<T> {
  const world = World.create(demoSeed());
  const taskQueue = uniqueTaskQueue('exercise');
  const worker = await triageWorker(harness.env.nativeConnection, taskQueue, createInMemoryPorts(world));
  return worker.runUntil(body({ taskQueue, world }));
}

async function submit(taskQueue: string, alert: ReturnType<typeof makeAlert>, policy = confirm) {
  const { client } = harness.env;
  const { workflowId } = await submitAlert(client, { alert, policy, analysts: [ANALYST], taskQueue });
  return client.workflow.getHandle(workflowId);
}

test('an exercise alert inside the window is detected, closed as the exercise: nobody asked, nothing contained', async () => {
  await withWorker(async ({ taskQueue, world }) => {
    const { client } = harness.env;
    const marker = 'ART-T1078-7f3a';
    const { workflowId } = await startExercise(client, taskQueue, { ruleId: RULE, windowMs: 30 * MINUTE, marker });
    const exercise = client.workflow.getHandle(workflowId);
    await waitFor(async () => (await exercise.query(exerciseStatusQuery)).state === 'open', 'the exercise window');

    // The rule asks the user, and a second alert of the same exercise comes from a rule that contains at once.
    const first = await submit(taskQueue, makeAlert({ ruleId: RULE, title: `Impossible travel (${marker})` }));
    await waitForCase(first, (s) => s.triageState === 'closed', 'the first exercise case');
    const second = await submit(
      taskQueue,
      makeAlert({ ruleId: RULE, description: `emulation ${marker.toLowerCase()}` }),
      autoContain,
    );
    for (const [handle, isFirst] of [
      [first, true],
      [second, false],
    ] as const) {
      const state = await waitForSettledCase(handle, (s) => s.triageState === 'closed', 'the exercise case');
      expect(state.exercise).toMatchObject({ exerciseId: workflowId, first: isFirst });
      expect(state.question).toBeUndefined();
      expect(state.containment).toEqual([]);
      expect(state.escalations).toEqual([]);
      expect((await handle.describe()).typedSearchAttributes.get(RouteKey)).toBe('exercise');
    }
    expect(world.data.questions).toHaveLength(0);
    expect(world.data.effectLog).toEqual([]);
    expect(world.data.escalations).toHaveLength(0);

    const status = await waitFor(async () => {
      const s = await exercise.query(exerciseStatusQuery);
      return s.outcome === 'detected' ? s : undefined;
    }, 'detected before the window ends');
    expect(status.detectedBy?.caseWorkflowId).toBe(first.workflowId);
    expect(Date.parse(status.detectedBy!.at)).toBeLessThan(Date.parse(status.endsAt!));

    // An alert of the rule that the exercise does not describe is a real one: its user is asked.
    const real = await submit(
      taskQueue,
      makeAlert({ ruleId: RULE, entities: { userPrincipalName: 'asmith@contoso.example', userObjectId: JDOE.id } }),
    );
    // Settled first: the test server does not skip time while an activity of a terminated case is outstanding.
    const realState = await waitForSettledCase(real, (s) => Boolean(s.question?.messageRef), 'the real question');
    expect(realState.exercise).toBeUndefined();

    await real.terminate('test finished');
    const result = (await exercise.result()) as ExerciseResult;
    expect(result.outcome).toBe('detected');
    expect(result.detectedBy?.caseWorkflowId).toBe(first.workflowId);
  });
});

test('an exercise with --ask-user asks the user; the answer is recorded, nothing contained, closed as the exercise', async () => {
  await withWorker(async ({ taskQueue, world }) => {
    const { client } = harness.env;
    const marker = 'ART-T1078-ask';
    const { workflowId } = await startExercise(client, taskQueue, {
      ruleId: RULE,
      windowMs: 30 * MINUTE,
      marker,
      askUser: true,
    });
    const exercise = client.workflow.getHandle(workflowId);
    const opened = await waitFor(async () => {
      const status = await exercise.query(exerciseStatusQuery);
      return status.state === 'open' ? status : undefined;
    }, 'the exercise window');

    // A real alert of this policy would be contained on "it was not me"; detected at the (skipped) workflow time.
    const denyContains = parsePolicy({ ...confirm, containOnUserDenial: true });
    const handle = await submit(
      taskQueue,
      makeAlert({ ruleId: RULE, title: `Impossible travel (${marker})`, detectedAt: opened.startedAt }),
      denyContains,
    );
    await waitForSettledCase(handle, (s) => Boolean(s.question?.messageRef), 'the exercise question');
    expect(world.data.questions).toHaveLength(1);
    await handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-not-me' }] });

    const state = await waitForSettledCase(handle, (s) => s.triageState === 'closed', 'the exercise case');
    expect(state.exercise).toMatchObject({ exerciseId: workflowId, first: true, askUser: true });
    expect(state.question).toMatchObject({ outcome: 'answered', answer: { answer: 'it-was-not-me' } });
    expect(state).toMatchObject({ disposition: 'true-positive', settledBy: 'user' });
    expect(state.closeReason).toMatch(/exercise.*it-was-not-me.*nothing contained/);
    expect(state.containment).toEqual([]);
    expect(state.wouldHaveContained).toBeUndefined();
    expect(state.escalations).toEqual([]);
    expect(world.data.effectLog).toEqual([]);
    expect((await handle.describe()).typedSearchAttributes.get(RouteKey)).toBe('exercise');

    const result = (await exercise.result()) as ExerciseResult;
    expect(result).toMatchObject({ outcome: 'detected', detectedBy: { caseWorkflowId: handle.workflowId } });
  });
});

test('an exercise with no matching alert by the end of its window is missed', async () => {
  await withWorker(async ({ taskQueue, world }) => {
    const { client } = harness.env;
    const { workflowId } = await startExercise(client, taskQueue, {
      ruleId: RULE,
      windowMs: 30 * MINUTE,
      user: 'svc-redteam@contoso.example',
    });
    const exercise = client.workflow.getHandle(workflowId);
    await waitFor(async () => (await exercise.query(exerciseStatusQuery)).state === 'open', 'the exercise window');
    const started = Date.now();
    // The window passes in workflow time; result() lets the test server skip it.
    const result = (await exercise.result()) as ExerciseResult;
    expect(result.outcome).toBe('missed');
    expect(result.detectedBy).toBeUndefined();
    expect(Date.parse(result.endsAt) - Date.parse(result.startedAt)).toBe(30 * MINUTE);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(world.data.questions).toHaveLength(0);
  });
});

async function waitFor<T>(probe: () => Promise<T | false | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
