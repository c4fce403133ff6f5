import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { sendAnswer, sendDecision } from '../../client/triage-client';
import type { RulePolicyInput } from '../../common/policy';
import type { CaseState, TriageInput } from '../../common/triage';
import { requestOutcomeQuery } from '../../common/messages/triage';
import { cardText } from '../../activities/teams/cards';
import { cardButtons, type StandInMessage } from '../../standins/teams/standin';
import { startTeamsLoop, type TeamsLoop } from '../../standins/teams/loop';
import { ANALYST, JDOE, makeInput } from '../harness/alerts';
import { waitForCase, waitForSettledCase } from '../harness/cases';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';
import { workflowTypes } from '../../common/workflow-types';

/**
 * Answers and decisions travel as Signals with the caller's request id: durable as soon as the call returns, even
 * with no worker up, taking effect once however often they are repeated. On the dev server, with real worker restarts.
 */

let dev: DevServerHarness;
let teams: TeamsLoop;

beforeAll(async () => {
  dev = await connectDevServer();
  teams = await startTeamsLoop({
    temporal: dev.client,
    analysts: [ANALYST],
    standIn: {
      users: [
        { id: JDOE.id, name: 'Jane Doe', upn: JDOE.upn },
        { id: ANALYST, name: 'Ana Lyst', analyst: true },
      ],
    },
  });
});
afterAll(async () => {
  await teams?.close();
  await dev?.teardown();
});

/** A worker on the case's task queue that can be stopped and started again, as an operator would. */
class Workers {
  private worker?: Worker;
  private running?: Promise<void>;
  readonly taskQueue = uniqueTaskQueue('durable-requests');
  readonly world = World.create(demoSeed());
  constructor(private readonly overTeams = false) {}
  async start(): Promise<void> {
    const ports = createInMemoryPorts(this.world);
    this.worker = await triageWorker(
      dev.nativeConnection,
      this.taskQueue,
      this.overTeams ? { ...ports, messenger: teams.messenger } : ports,
    );
    this.running = this.worker.run();
  }
  async stop(): Promise<void> {
    this.worker?.shutdown();
    await this.running;
    this.worker = undefined;
  }
}

async function withCase(
  input: TriageInput,
  body: (ctx: { handle: WorkflowHandle; workers: Workers }) => Promise<void>,
  overTeams = false,
): Promise<void> {
  const workers = new Workers(overTeams);
  await workers.start();
  const handle = await dev.client.workflow.start(workflowTypes.triage, {
    workflowId: `durable-requests-${input.alert.sourceAlertId}`,
    taskQueue: workers.taskQueue,
    args: [input],
  });
  try {
    await body({ handle, workers });
  } finally {
    await handle.terminate('test finished').catch(() => undefined);
    await workers.stop();
  }
}

async function waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const analystRule: RulePolicyInput = { mode: 'analyst', containmentActions: ['disable-account'] };
const escalated = (s: CaseState) => s.triageState === 'awaiting-analyst' && s.escalations.length === 1;

test('a decision sent while no worker is up is recorded by Temporal ("pending") and applied when a worker starts', async () => {
  await withCase(makeInput(analystRule), async ({ handle, workers }) => {
    await waitForSettledCase(handle, escalated, 'the escalation');
    await workers.stop();

    const requestId = randomUUID();
    const sent = await sendDecision(
      dev.client,
      handle.workflowId,
      { analystId: ANALYST, decision: 'close-benign', note: 'benign: a known VPN' },
      { requestId, waitMs: 1_500 },
    );
    expect(sent).toEqual({ status: 'pending' });

    await workers.start();
    const closed = (await handle.result()) as CaseState;
    expect(closed).toMatchObject({
      triageState: 'closed',
      disposition: 'benign-positive',
      settledBy: 'analyst',
      closeReason: 'benign: a known VPN',
    });
    expect(closed.decisions.map((d) => [d.analystId, d.decision, d.requestId])).toEqual([
      [ANALYST, 'close-benign', requestId],
    ]);
    expect(await handle.query(requestOutcomeQuery, requestId)).toMatchObject({
      status: 'applied',
      result: 'closed as benign-positive; nothing to release',
    });

    // The same request retried after the close finds no running case: it is said so, and nothing changes.
    const again = await sendDecision(
      dev.client,
      handle.workflowId,
      { analystId: ANALYST, decision: 'close-benign' },
      { requestId },
    );
    expect(again).toEqual({ status: 'closed', reason: 'this case is already closed' });
  });
});

test('a decision repeated with the same request id takes effect once; a refused one reports the reason', async () => {
  await withCase(makeInput(analystRule), async ({ handle, workers }) => {
    await waitForSettledCase(handle, escalated, 'the escalation');
    const contain = { analystId: ANALYST, decision: 'contain' as const };
    const requestId = randomUUID();
    const first = await sendDecision(dev.client, handle.workflowId, contain, { requestId });
    expect(['accepted', 'applied']).toContain(first.status);
    await waitForSettledCase(handle, (s) => s.triageState === 'contained', 'the containment');

    const repeated = await sendDecision(dev.client, handle.workflowId, contain, { requestId });
    expect(repeated).toEqual({ status: 'applied', result: 'contained: disable-account applied' });

    const release = await sendDecision(
      dev.client,
      handle.workflowId,
      { analystId: ANALYST, decision: 'release-containment' },
      { requestId: randomUUID() },
    );
    expect(['accepted', 'applied']).toContain(release.status);
    const released = await waitForSettledCase(handle, (s) => s.decisions.length === 2, 'the release');
    // Had the repeat been queued, it would have run before the release.
    expect(released.decisions.map((d) => d.decision)).toEqual(['contain', 'release-containment']);
    expect(workers.world.effectCount(JDOE.upn, 'disable-account')).toBe(1);

    const refused = await sendDecision(
      dev.client,
      handle.workflowId,
      { analystId: JDOE.id, decision: 'close-benign' },
      { requestId: randomUUID() },
    );
    expect(refused).toEqual({ status: 'refused', reason: `${JDOE.id} is not a configured analyst` });
    expect((await waitForCase(handle, () => true)).decisions).toHaveLength(2);
  });
});

test("an answer repeated with the same request id is recorded once; another person's and a second answer are refused", async () => {
  await withCase(
    makeInput({
      mode: 'confirm-with-user',
      stepUp: false,
      onUserConfirms: 'review',
      containmentActions: ['disable-account'],
    }),
    async ({ handle }) => {
      await waitForCase(handle, (s) => s.triageState === 'awaiting-user' && Boolean(s.question?.messageRef));
      const stranger = await sendAnswer(
        dev.client,
        handle.workflowId,
        { userId: 'mlee@contoso.example', answer: 'it-was-me' },
        { requestId: randomUUID() },
      );
      expect(stranger).toEqual({ status: 'refused', reason: 'only jdoe@contoso.example can answer this question' });
      const requestId = randomUUID();
      const answer = { userId: JDOE.id, answer: 'it-was-me' as const };
      const first = await sendAnswer(dev.client, handle.workflowId, answer, { requestId });
      expect(first).toEqual({ status: 'applied', result: 'recorded; disposition undetermined' });
      const repeated = await sendAnswer(dev.client, handle.workflowId, answer, { requestId });
      expect(repeated).toEqual(first);
      const second = await sendAnswer(
        dev.client,
        handle.workflowId,
        { userId: JDOE.id, answer: 'it-was-not-me' },
        { requestId: randomUUID() },
      );
      expect(second).toEqual({ status: 'refused', reason: 'this question has already been answered' });

      const state = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the review escalation');
      expect(state.question?.answer?.answer).toBe('it-was-me');
      expect(state.requests?.map((r) => r.status)).toEqual(['refused', 'applied', 'refused']);
    },
  );
});

test('an answer given before the deadline while no worker is up counts, though the workers return after the deadline', async () => {
  // The shortest deadline a rule may set; the time-skipping server cannot skip time past an unprocessed signal.
  const input = makeInput({
    mode: 'confirm-with-user',
    stepUp: false,
    confirmationTimeoutMs: 60_000,
    containmentActions: [],
  });
  await withCase(input, async ({ handle, workers }) => {
    const asked = await waitForSettledCase(
      handle,
      (s) => s.triageState === 'awaiting-user' && Boolean(s.question?.messageRef),
      'the question',
    );
    await workers.stop();
    const requestId = randomUUID();
    const sent = await sendAnswer(
      dev.client,
      handle.workflowId,
      { userId: JDOE.upn, answer: 'it-was-me' },
      { requestId, waitMs: 1_000 },
    );
    expect(sent).toEqual({ status: 'pending' });
    const answeredAt = Date.now();

    // The deadline passes while the answer waits in Temporal.
    const deadline = Date.parse(asked.question!.deadline);
    await waitUntil(async () => Date.now() > deadline + 2_000, 'the deadline', 90_000);

    await workers.start();
    const closed = (await handle.result()) as CaseState;
    expect(closed).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'user' });
    expect(closed.question).toMatchObject({ outcome: 'answered', answer: { answer: 'it-was-me' } });
    expect(Date.parse(closed.question!.answer!.at)).toBeLessThan(deadline);
    expect(Math.abs(Date.parse(closed.question!.answer!.at) - answeredAt)).toBeLessThan(5_000);
    expect(closed.escalations).toEqual([]);
    expect(await handle.query(requestOutcomeQuery, requestId)).toMatchObject({ status: 'applied' });
  });
}, 150_000);

/** The first card posted for this case in a conversation kind. */
async function cardOf(handle: WorkflowHandle, kind: 'personal' | 'channel'): Promise<StandInMessage> {
  const until = Date.now() + 30_000;
  for (;;) {
    const message = teams.standIn
      .messages({ kind })
      .find((m) => cardButtons(m.versions[0]!.card).some((b) => b.data.workflowId === handle.workflowId));
    if (message) return message;
    if (Date.now() > until) throw new Error(`the ${kind} card never arrived`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('Teams clicks while no worker is up: each card says the click is recorded, and both take effect when workers return', async () => {
  await withCase(
    makeInput({
      mode: 'confirm-with-user',
      stepUp: false,
      onUserConfirms: 'review',
      containmentActions: ['disable-account'],
    }),
    async ({ handle, workers }) => {
      const question = await cardOf(handle, 'personal');
      await workers.stop();
      const answer = await teams.standIn.clickCard({
        as: JDOE.id,
        activityId: question.activityId,
        button: 'Yes, this was me',
      });
      expect(answer.status).toBe(200);
      expect(cardText(answer.card)).toContain('Thanks — your answer is recorded');
      expect(cardText(answer.card)).toContain('You answered: **Yes, this was me**.');
      expect(cardText(answer.card)).toContain('It will take effect when the service is back');
      expect(cardButtons(answer.card)).toHaveLength(0);

      await workers.start();
      const reviewed = await waitForSettledCase(handle, escalated, 'the review escalation');
      expect(reviewed.question).toMatchObject({ outcome: 'answered', answer: { answer: 'it-was-me' } });
      const soc = await cardOf(handle, 'channel');
      await workers.stop();
      const decision = await teams.standIn.clickCard({ as: ANALYST, activityId: soc.activityId, button: 'Contain' });
      expect(decision.status).toBe(200);
      expect(cardText(decision.card)).toContain('The decision is recorded');
      expect(cardText(decision.card)).toMatch(/Contain — decided by Ana Lyst at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      expect(cardText(decision.card)).toContain('It will take effect when the service is back');

      await workers.start();
      const contained = await waitForCase(handle, (s) => s.triageState === 'contained', 'the containment');
      expect(contained.decisions.map((d) => [d.analystId, d.decision])).toEqual([[ANALYST, 'contain']]);
      expect(workers.world.effectCount(JDOE.upn, 'disable-account')).toBe(1);
    },
    true,
  );
});

test('a case that never existed is reported as not found', async () => {
  const sent = await sendDecision(
    dev.client,
    `durable-requests-missing-${randomUUID()}`,
    { analystId: ANALYST, decision: 'close-benign' },
    { requestId: randomUUID() },
  );
  expect(sent).toEqual({ status: 'not-found', reason: 'this case does not exist' });
});
