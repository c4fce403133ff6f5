import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { cardText } from '../../activities/teams/cards';
import type { CaseState } from '../../common/triage';
import { cardButtons, type ClickOptions, type StandInMessage } from '../../standins/teams/standin';
import { startTeamsLoop, type TeamsLoop } from '../../standins/teams/loop';
import { caseStateQuery } from '../../common/messages/triage';
import { ANALYST, JDOE, makeInput } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { questionCard } from '../harness/teams';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';
import { workflowTypes } from '../../common/workflow-types';

/**
 * Every way a click on the question card is refused — 401 when the request is not from the Bot Framework for this bot,
 * a 403 error body (in an HTTP 200, which Teams shows) when it is but the click is not allowed — and that no refused
 * click changes the case. One real case on the dev server waits for Jane Doe's answer while the refused clicks arrive;
 * at the end Jane answers once, and a replay and a second answer are refused too.
 */

const MLEE = { id: '22222222-2222-4222-8222-222222222222', upn: 'mlee@contoso.example' };

let dev: DevServerHarness;
let teams: TeamsLoop;
let worker: Worker;
let running: Promise<void>;
let handle: WorkflowHandle;
let question: StandInMessage;

beforeAll(async () => {
  dev = await connectDevServer();
  teams = await startTeamsLoop({
    temporal: dev.client,
    analysts: [ANALYST],
    standIn: {
      users: [
        { id: JDOE.id, name: 'Jane Doe', upn: JDOE.upn },
        { id: MLEE.id, name: 'Morgan Lee', upn: MLEE.upn },
        { id: ANALYST, name: 'Ana Lyst', analyst: true },
      ],
    },
  });
  const taskQueue = uniqueTaskQueue('teams-security');
  worker = await triageWorker(dev.nativeConnection, taskQueue, {
    ...createInMemoryPorts(World.create(demoSeed())),
    messenger: teams.messenger,
  });
  running = worker.run();
  const input = makeInput({
    mode: 'confirm-with-user',
    stepUp: false, // forged clicks; step-up's own refusals: test/e2e/step-up.test.ts
    onUserConfirms: 'review',
    containmentActions: ['disable-account'],
  });
  handle = await dev.client.workflow.start(workflowTypes.triage, {
    workflowId: `teams-security-${input.alert.sourceAlertId}`,
    taskQueue,
    args: [input],
  });
  question = await questionCard(teams.standIn, handle, JDOE.id);
});

afterAll(async () => {
  await handle?.terminate('test finished').catch(() => undefined);
  if (worker) {
    worker.shutdown();
    await running;
  }
  await teams?.close();
  await dev?.teardown();
});

async function expectUnanswered(): Promise<void> {
  const state: CaseState = await handle.query(caseStateQuery);
  expect(state.triageState).toBe('awaiting-user');
  expect(state.disposition).toBe('undetermined');
  expect(state.question?.answer).toBeUndefined();
  expect(state.question?.outcome).toBeUndefined();
  expect(state.escalations).toEqual([]);
  // Teams kept showing the question: no refused click replaced the card.
  expect(question.versions.map((v) => v.source)).toEqual(['post']);
  expect(cardButtons(question.card).map((b) => b.title)).toEqual(['Yes, this was me', "No, this wasn't me"]);
}

const yes = (extra: Partial<ClickOptions> = {}): ClickOptions => ({
  as: JDOE.id,
  activityId: question.activityId,
  button: 'Yes, this was me',
  ...extra,
});
const EVIL_SERVICE_URL = 'https://evil.example/teams/';

const unauthenticated: [string, () => ClickOptions, RegExp][] = [
  ['no token at all', () => yes({ token: { omit: true } }), /missing or malformed bearer token/],
  [
    'a signature from a key the Bot Framework never published',
    () => yes({ token: { key: 'rogue' } }),
    /signature verification failed/,
  ],
  [
    'a published key not endorsed for Teams',
    () => yes({ token: { key: 'unendorsed' } }),
    /not endorsed for channel "msteams"/,
  ],
  [
    'a token for another bot (audience)',
    () => yes({ token: { audience: randomUUID() } }),
    /unexpected "aud" claim value/,
  ],
  [
    'a token from another issuer',
    () => yes({ token: { issuer: 'https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/' } }),
    /unexpected "iss" claim value/,
  ],
  [
    'a token that expired 10 minutes ago (beyond the 5-minute skew)',
    () => yes({ token: { expiresInSeconds: -600 } }),
    /"exp" claim timestamp check failed/,
  ],
  [
    'an activity whose serviceUrl is not the one in the token',
    () => yes({ activity: { serviceUrl: EVIL_SERVICE_URL }, token: { serviceUrl: teams.standIn.serviceUrl } }),
    /serviceUrl does not match/,
  ],
  [
    'a token naming another serviceUrl than the activity',
    () => yes({ token: { serviceUrl: EVIL_SERVICE_URL } }),
    /serviceUrl does not match/,
  ],
];

test.each(unauthenticated)('401 and no change: %s', async (_name, click, reason) => {
  const result = await teams.standIn.clickCard(click());
  expect(result.status).toBe(401);
  expect(result.body).toMatchObject({ error: 'unauthorized' });
  expect(result.message).toMatch(reason);
  await expectUnanswered();
});

const forbidden: [string, () => ClickOptions, string | RegExp][] = [
  [
    'an authentic Bot Framework token for Web Chat carrying a Teams-looking click',
    () => yes({ token: { key: 'unendorsed' }, activity: { channelId: 'webchat' } }),
    'This bot accepts activities only from Microsoft Teams',
  ],
  [
    'an authentic Bot Framework token for Direct Line carrying a Teams-looking click',
    () => yes({ token: { key: 'unendorsed' }, activity: { channelId: 'directline' } }),
    'This bot accepts activities only from Microsoft Teams',
  ],
  [
    'the fallback Action.Submit (a message) from someone other than the person asked',
    () => yes({ as: MLEE.id, submit: true }),
    'Only jdoe@contoso.example can answer this',
  ],
  [
    'a fallback Action.Submit whose data was pointed at another case',
    () => yes({ submit: true, data: { workflowId: 'triage:generic:tests:someone-elses-alert' } }),
    'This card cannot be used: the card data was altered',
  ],
  [
    'a click from another tenant',
    () => yes({ activity: { tenantId: randomUUID() } }),
    'This bot serves only its own organisation',
  ],
  ['someone other than the person asked', () => yes({ as: MLEE.id }), 'Only jdoe@contoso.example can answer this'],
  [
    'card data pointed at another case',
    () => yes({ data: { workflowId: 'triage:generic:tests:someone-elses-alert' } }),
    'This card cannot be used: the card data was altered',
  ],
  [
    'card data rebound to the person clicking',
    () => yes({ as: MLEE.id, data: { userId: MLEE.id, answerAs: MLEE.upn } }),
    'This card cannot be used: the card data was altered',
  ],
  [
    'a choice the card does not offer',
    () => yes({ data: { choice: 'it-was-probably-me' } }),
    'This card cannot be used: the card does not offer that choice',
  ],
  [
    'a widened choice list',
    () => yes({ data: { choices: ['it-was-me', 'it-was-not-me', 'maybe'], choice: 'maybe' } }),
    'This card cannot be used: the card data was altered',
  ],
  [
    'a forged card token',
    () => yes({ data: { token: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }),
    'This card cannot be used: the card data was altered',
  ],
  [
    'card data that is not ours',
    () => yes({ data: { kind: 'poll' } }),
    'This card cannot be used: the card data is not a SOC triage card',
  ],
];

test.each(forbidden)(
  'refused (403 in a 200 answer, shown by Teams) and no change: %s',
  async (_name, click, reason) => {
    const result = await teams.standIn.clickCard(click());
    expect([result.status, result.statusCode]).toEqual([200, 403]);
    expect(result.body).toMatchObject({
      statusCode: 403,
      type: 'application/vnd.microsoft.error',
      value: { code: 'Forbidden' },
    });
    expect(result.message).toEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason));
    await expectUnanswered();
  },
);

test('a token that expired 2 minutes ago is inside the 5-minute skew: authenticated, then judged on who clicked', async () => {
  const result = await teams.standIn.clickCard(yes({ as: MLEE.id, token: { expiresInSeconds: -120 } }));
  expect([result.status, result.statusCode]).toEqual([200, 403]);
  expect(result.message).toBe('Only jdoe@contoso.example can answer this');
  await expectUnanswered();
});

test('the person asked answers once; a replay of that request and a second answer are refused without changing the case', async () => {
  const first = await teams.standIn.clickCard(yes());
  expect(first.status).toBe(200);
  expect(cardText(first.card)).toContain('Thanks — your answer is recorded');
  const answered = await waitForCase(handle, (s) => s.escalations.length === 1, 'the review escalation');
  expect(answered.question?.answer?.answer).toBe('it-was-me');
  const answeredAt = answered.question!.answer!.at;

  const replay = await teams.standIn.resend(first);
  expect([replay.status, replay.statusCode]).toEqual([200, 403]);
  expect(replay.message).toBe('This request was already processed');

  // A second device still showing the buttons sends a fresh, validly signed click with the other answer.
  const second = await teams.standIn.clickCard(yes({ button: "No, this wasn't me", version: 0 }));
  expect([second.status, second.statusCode]).toEqual([200, 403]);
  expect(second.message).toBe('This question has already been answered');

  const after = await handle.query(caseStateQuery);
  expect(after.question?.answer).toEqual({ answer: 'it-was-me', at: answeredAt });
  expect(after.disposition).toBe('undetermined');
  expect(after.triageState).toBe('awaiting-analyst');
  expect(after.escalations).toHaveLength(1);
  expect(after.decisions).toEqual([]);
});
