import type { WorkflowHandle } from '@temporalio/client';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { cardText } from '../../activities/teams/cards';
import { createTeamsMessenger } from '../../activities/teams/messenger';
import type { RulePolicyInput } from '../../common/policy';
import type { CaseState, TriageInput } from '../../common/triage';
import { cardButtons, type StandInMessage } from '../../standins/teams/standin';
import { startTeamsLoop, type TeamsLoop } from '../../standins/teams/loop';
import { caseStateQuery } from '../../common/messages/triage';
import { ANALYST, JDOE, makeAlert, makeInput } from '../harness/alerts';
import { waitForCase, waitForSettledCase } from '../harness/cases';
import { startTimeSkipping, triageWorker, uniqueTaskQueue, type TimeSkippingHarness } from '../harness/temporal';
import { workflowTypes } from '../../common/workflow-types';
import { missedFromCaseId } from '../../client/teams/missed-by';
import { missedDetectionWorkflowId } from '../../common/exercise';

/**
 * The Teams confirmation loop end to end: triage workflow → Teams messenger → Bot Connector stand-in → a person
 * clicking the card (a signed invoke) → the real bot endpoint → a Signal, read back by its outcome → the card replaced
 * in place.
 */

const MINUTE = 60_000;
const MLEE = { id: '22222222-2222-4222-8222-222222222222', upn: 'mlee@contoso.example' };
const ASMITH = { id: '33333333-3333-4333-8333-333333333333', upn: 'asmith@contoso.example' };
const UNKNOWN = { id: '44444444-4444-4444-8444-444444444444', upn: 'ghost@contoso.example' };

let harness: TimeSkippingHarness;
let teams: TeamsLoop;

beforeAll(async () => {
  harness = await startTimeSkipping();
  teams = await startTeamsLoop({
    temporal: harness.env.client,
    analysts: [ANALYST],
    standIn: {
      users: [
        { id: JDOE.id, name: 'Jane Doe', upn: JDOE.upn },
        { id: MLEE.id, name: 'Morgan Lee', upn: MLEE.upn },
        { id: ASMITH.id, name: 'Alex Smith', upn: ASMITH.upn },
        { id: ANALYST, name: 'Ana Lyst', analyst: true },
      ],
    },
  });
});
afterAll(async () => {
  await teams?.close();
  await harness?.teardown();
});

async function eventually<T>(probe: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Messages whose card, as first posted, belongs to this case. */
function messagesOf(workflowId: string, kind: 'personal' | 'channel'): StandInMessage[] {
  return teams.standIn
    .messages({ kind })
    .filter((m) => cardButtons(m.versions[0]!.card).some((b) => b.data.workflowId === workflowId));
}

async function runCase<T>(
  input: TriageInput,
  body: (ctx: { handle: WorkflowHandle; world: World }) => Promise<T>,
): Promise<T> {
  const world = World.create(demoSeed());
  const ports = createInMemoryPorts(world);
  // As in production: the Teams messenger, looking up users the alert names only by UPN through the identity port.
  const messenger = createTeamsMessenger(teams.config, {
    fetch: teams.fetch,
    lookupObjectId: async (upn) => (await ports.identity.userProfile({ userPrincipalName: upn })).id,
  });
  const taskQueue = uniqueTaskQueue('teams');
  const worker = await triageWorker(harness.env.nativeConnection, taskQueue, { ...ports, messenger });
  const handle = await harness.env.client.workflow.start(workflowTypes.triage, {
    workflowId: `teams-test-${input.alert.sourceAlertId}`,
    taskQueue,
    args: [input],
  });
  try {
    return await worker.runUntil(body({ handle, world }));
  } finally {
    await handle.terminate('test finished').catch(() => undefined);
  }
}

const confirm: RulePolicyInput = {
  mode: 'confirm-with-user',
  stepUp: false, // a "Yes" counts at once here; with step-up: test/e2e/step-up.test.ts
  containmentActions: ['disable-account', 'revoke-sessions'],
};
const asked = (s: CaseState) => s.triageState === 'awaiting-user' && Boolean(s.question?.messageRef);

async function questionCardOf(handle: WorkflowHandle): Promise<StandInMessage> {
  await waitForCase(handle, asked, 'the question');
  return eventually(() => messagesOf(handle.workflowId, 'personal')[0], 'the question card');
}

test('"Yes, this was me": the card shows the facts, the click closes the case as benign and the card says thanks', async () => {
  await runCase(makeInput(confirm), async ({ handle, world }) => {
    const message = await questionCardOf(handle);
    expect(message.userId).toBe(JDOE.id);
    const shown = cardText(message.card);
    expect(shown).toContain('Was this you?');
    expect(shown).toContain('What: Sign-in from two countries within an hour');
    expect(shown).toMatch(/When: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(shown).toContain('From: 203.0.113.50');
    expect(shown).toContain('Device: laptop-jdoe.contoso.example');
    expect(shown).toContain('Details: Sign-ins from Seattle, US and Lagos, NG 55 minutes apart.');
    expect(cardButtons(message.card).map((b) => b.title)).toEqual(['Yes, this was me', "No, this wasn't me"]);

    const click = await teams.standIn.clickCard({
      as: JDOE.id,
      activityId: message.activityId,
      button: 'Yes, this was me',
    });
    expect(click.status).toBe(200);
    expect(click.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(cardText(click.card)).toContain('Thanks — your answer is recorded');
    expect(cardText(click.card)).toContain('You answered: **Yes, this was me**.');
    expect(cardButtons(click.card)).toHaveLength(0);

    const state = (await handle.result()) as CaseState;
    expect(state).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'user' });
    expect(state.question?.answer?.answer).toBe('it-was-me');
    // The workflow replaces the message too (PUT), so every device shows the outcome.
    const final = await eventually(
      () => messagesOf(handle.workflowId, 'personal')[0]!.versions.find((v) => v.source === 'put'),
      'the card update',
    );
    expect(cardText(final.card)).toContain('Thanks — your answer is recorded');
    expect(world.data.escalations).toHaveLength(0);
    expect(messagesOf(handle.workflowId, 'channel')).toHaveLength(0);
  });
});

test('an alert naming the user only by UPN: Teams reaches them by their looked-up object id, and their answer counts', async () => {
  const alert = makeAlert({ entities: { userPrincipalName: JDOE.upn, sourceIp: '203.0.113.50' } });
  await runCase(makeInput(confirm, alert), async ({ handle }) => {
    const message = await questionCardOf(handle);
    expect(message.userId).toBe(JDOE.id);
    const stranger = await teams.standIn.clickCard({
      as: MLEE.id,
      activityId: message.activityId,
      button: 'Yes, this was me',
    });
    expect([stranger.status, stranger.statusCode]).toEqual([200, 403]);
    expect(stranger.message).toBe('Only jdoe@contoso.example can answer this');
    const click = await teams.standIn.clickCard({
      as: JDOE.id,
      activityId: message.activityId,
      button: 'Yes, this was me',
    });
    expect(click.status).toBe(200);
    const state = (await handle.result()) as CaseState;
    expect(state).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'user' });
  });
});

test('a Teams client without Universal Actions sends the fallback Action.Submit: the answer counts and the card is replaced', async () => {
  await runCase(makeInput(confirm), async ({ handle }) => {
    const message = await questionCardOf(handle);
    const click = await teams.standIn.clickCard({
      as: JDOE.id,
      activityId: message.activityId,
      button: 'Yes, this was me',
      submit: true,
    });
    expect(click.status).toBe(200);
    const state = (await handle.result()) as CaseState;
    expect(state).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'user' });
    expect(state.question?.answer?.answer).toBe('it-was-me');
    // A message gets no card back: the bot replaced the question through the connector.
    const replaced = await eventually(
      () => messagesOf(handle.workflowId, 'personal')[0]!.versions.find((v) => v.source === 'put'),
      'the replaced card',
    );
    expect(cardText(replaced.card)).toContain('Thanks — your answer is recorded');
    expect(cardButtons(replaced.card)).toHaveLength(0);
  });
});

test('"No, this wasn\'t me": true positive, contained, and the SOC channel gets a card with the decisions', async () => {
  const input = makeInput({ ...confirm, containOnUserDenial: true });
  await runCase(input, async ({ handle, world }) => {
    const message = await questionCardOf(handle);
    const click = await teams.standIn.clickCard({
      as: JDOE.id,
      activityId: message.activityId,
      button: "No, this wasn't me",
    });
    expect(click.status).toBe(200);
    expect(cardText(click.card)).toContain('Thanks — your answer is recorded');
    expect(cardText(click.card)).toContain("You answered: **No, this wasn't me**.");

    const state = await waitForCase(handle, (s) => s.escalations.length === 1, 'the escalation');
    expect(state.disposition).toBe('true-positive');
    expect(state.triageState).toBe('contained');
    expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(1);

    const soc = await eventually(() => messagesOf(handle.workflowId, 'channel')[0], 'the SOC card');
    expect(soc.conversationId).toBe(teams.standIn.socConversationId);
    const text = cardText(soc.card);
    expect(text).toContain('Security alert: Sign-in from two countries within an hour');
    expect(text).toContain('the user said it was not them');
    expect(text).toContain('User: jdoe@contoso.example');
    expect(text).toMatch(/disable-account jdoe@contoso\.example: applied/);
    // Already contained: no "Contain", and "Release containment" undoes what this case applied.
    expect(cardButtons(soc.card).map((b) => b.title)).toEqual([
      'Close as benign',
      'Close as false positive',
      'Release containment',
      'Should have been caught by…',
    ]);

    // "Close as false positive" undoes the containment and closes the case.
    const decision = await teams.standIn.clickCard({
      as: ANALYST,
      activityId: soc.activityId,
      button: 'Close as false positive',
    });
    expect(decision.status).toBe(200);
    expect(cardText(decision.card)).toMatch(
      /Close as false positive — decided by Ana Lyst at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/,
    );
    expect(cardButtons(decision.card)).toHaveLength(0);
    const closed = (await handle.result()) as CaseState;
    expect(closed).toMatchObject({ triageState: 'closed', disposition: 'false-positive' });
    expect(closed.decisions.map((d) => [d.analystId, d.decision])).toEqual([[ANALYST, 'close-false-positive']]);
    expect(world.effectCount(JDOE.upn, 'enable-account')).toBe(1);
  });
});

test('silence until the deadline: the card turns "expired", the case escalates, and a late click changes nothing', async () => {
  await runCase(makeInput(confirm), async ({ handle }) => {
    const message = await questionCardOf(handle);
    await harness.env.sleep(29 * MINUTE);
    expect(messagesOf(handle.workflowId, 'personal')[0]!.versions.map((v) => v.source)).toEqual(['post']);

    await harness.env.sleep(1 * MINUTE + 1_000);
    const state = await waitForCase(handle, (s) => s.escalations.length === 1, 'the "no response" escalation');
    expect(state.escalations[0]!.reason).toBe('no response');
    expect(state.question?.outcome).toBe('expired');
    const expired = await eventually(
      () => messagesOf(handle.workflowId, 'personal')[0]!.versions.find((v) => v.source === 'put'),
      'the expired card',
    );
    expect(cardText(expired.card)).toContain('This question expired; the security team is looking into it');
    expect(cardButtons(expired.card)).toHaveLength(0);
    const soc = await eventually(() => messagesOf(handle.workflowId, 'channel')[0], 'the SOC card');
    expect(cardText(soc.card)).toContain('Why you are seeing this: no response');

    // A phone that never refreshed still shows the buttons: the click is answered with the expired card.
    const late = await teams.standIn.clickCard({
      as: JDOE.id,
      activityId: message.activityId,
      button: 'Yes, this was me',
      version: 0,
    });
    expect(late.status).toBe(200);
    expect(cardText(late.card)).toContain('This question expired; the security team is looking into it');
    const after = await handle.query(caseStateQuery);
    expect(after.question?.answer).toBeUndefined();
    expect(after.disposition).toBe('undetermined');
    expect(after.triageState).toBe('awaiting-analyst');
  });
});

test('a user who blocked the bot: Teams answers 403, the case escalates at once with that reason', async () => {
  teams.standIn.blockUser(MLEE.id);
  const alert = makeAlert({
    entities: { userPrincipalName: MLEE.upn, userObjectId: MLEE.id, sourceIp: '198.51.100.7' },
  });
  await runCase(makeInput(confirm, alert), async ({ handle }) => {
    const state = await waitForCase(handle, (s) => s.escalations.length === 1, 'the escalation');
    expect(state.question?.outcome).toBe('undeliverable');
    expect(state.escalations[0]!.reason).toBe(
      'the question could not be delivered: mlee@contoso.example cannot receive messages from the SOC bot (they blocked or removed it, or policy forbids it): Teams answered 403 MessageWritesBlocked',
    );
    const soc = await eventually(() => messagesOf(handle.workflowId, 'channel')[0], 'the SOC card');
    expect(cardText(soc.card)).toContain('Teams answered 403 MessageWritesBlocked');
    // Permanent: asked once, not retried.
    const sends = teams.standIn.requests.filter((r) => r.operation === 'sendActivity' && r.status === 403);
    expect(sends).toHaveLength(1);
  });
});

test('a user Teams does not know (404) escalates at once; a throttled post (429) is retried after Retry-After and delivered', async () => {
  const ghost = makeAlert({ entities: { userPrincipalName: UNKNOWN.upn, userObjectId: UNKNOWN.id } });
  await runCase(makeInput(confirm, ghost), async ({ handle }) => {
    // Settled: the SOC card is posted before the 429 below is injected, so only the next question meets it.
    const state = await waitForSettledCase(handle, (s) => s.escalations.length === 1, 'the escalation');
    expect(state.escalations[0]!.reason).toBe(
      'the question could not be delivered: Teams does not know ghost@contoso.example (404 NotFound)',
    );
  });

  teams.standIn.injectFault({ operation: 'sendActivity', status: 429, code: 'TooManyRequests', retryAfterSeconds: 1 });
  const before = teams.standIn.requests.length;
  const alert = makeAlert({ entities: { userPrincipalName: ASMITH.upn, userObjectId: ASMITH.id } });
  await runCase(makeInput(confirm, alert), async ({ handle }) => {
    const message = await questionCardOf(handle);
    expect(message.userId).toBe(ASMITH.id);
    const sends = teams.standIn.requests
      .slice(before)
      .filter((r) => r.operation === 'sendActivity')
      .map((r) => r.status);
    expect(sends).toEqual([429, 201]);
    expect((await handle.query(caseStateQuery)).escalations).toHaveLength(0);
  });
});

test('the SOC card: an analyst contains, releases and closes as benign; each card shows who decided and when; a non-analyst is refused', async () => {
  const input = makeInput({ mode: 'analyst', containmentActions: ['disable-account'] });
  await runCase(input, async ({ handle, world }) => {
    await waitForCase(handle, (s) => s.escalations.length === 1, 'the escalation');
    const soc = await eventually(() => messagesOf(handle.workflowId, 'channel')[0], 'the SOC card');
    expect(cardButtons(soc.card).map((b) => b.title)).toEqual([
      'Contain',
      'Close as benign',
      'Close as false positive',
      'Should have been caught by…',
    ]);

    // Someone in the channel who is not an analyst.
    const refused = await teams.standIn.clickCard({
      as: JDOE.id,
      activityId: soc.activityId,
      button: 'Close as benign',
    });
    expect([refused.status, refused.statusCode]).toEqual([200, 403]);
    expect(refused.message).toBe('Only SOC analysts can decide on this case');
    const untouched = await handle.query(caseStateQuery);
    expect(untouched.decisions).toHaveLength(0);
    expect(untouched.triageState).toBe('awaiting-analyst');

    const contain = await teams.standIn.clickCard({ as: ANALYST, activityId: soc.activityId, button: 'Contain' });
    expect(contain.status).toBe(200);
    expect(cardText(contain.card)).toMatch(
      // Queued, or already applied when the workflow answered the outcome query.
      /Contain — decided by Ana Lyst at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \((contain accepted|contained: disable-account applied)\)/,
    );
    expect(cardButtons(contain.card).map((b) => b.title)).toEqual([
      'Close as benign',
      'Close as false positive',
      'Release containment',
      'Should have been caught by…',
    ]);
    const contained = await waitForCase(handle, (s) => s.triageState === 'contained', 'containment');
    expect(contained.decisions[0]).toMatchObject({ analystId: ANALYST, decision: 'contain' });
    expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(1);
    // Every analyst in the channel sees the decision, not only the one who clicked.
    const shared = messagesOf(handle.workflowId, 'channel')[0]!;
    expect(shared.versions.map((v) => v.source)).toContain('put');
    expect(cardText(shared.card)).toContain('decided by Ana Lyst');

    const release = await teams.standIn.clickCard({
      as: ANALYST,
      activityId: soc.activityId,
      button: 'Release containment',
    });
    expect(release.status).toBe(200);
    // Nothing this case applied is in place any more: "Contain" again, no "Release containment".
    expect(cardButtons(release.card).map((b) => b.title)).toEqual([
      'Contain',
      'Close as benign',
      'Close as false positive',
      'Should have been caught by…',
    ]);
    await waitForCase(
      handle,
      (s) => s.decisions.length === 2 && s.containment.every((c) => c.status === 'undone'),
      'the release',
    );
    expect(world.effectCount(JDOE.upn, 'enable-account')).toBe(1);

    const close = await teams.standIn.clickCard({ as: ANALYST, activityId: soc.activityId, button: 'Close as benign' });
    expect(close.status).toBe(200);
    expect(cardText(close.card)).toContain('This case is closed.');
    expect(cardButtons(close.card)).toHaveLength(0);
    const closed = (await handle.result()) as CaseState;
    expect(closed).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'analyst' });
    expect(closed.closeReason).toBe('Close as benign by Ana Lyst in Teams');

    // The same stale card clicked again after the close: refused, nothing changes.
    const again = await teams.standIn.clickCard({
      as: ANALYST,
      activityId: soc.activityId,
      button: 'Close as false positive',
      version: 0,
    });
    expect([again.status, again.statusCode]).toEqual([200, 403]);
    expect(again.message).toBe('This case is already closed');
  });
});

test('"Should have been caught by…" on the SOC card records one missed detection of the named rules, found in the case', async () => {
  const input = makeInput({ mode: 'analyst', containmentActions: ['disable-account'] });
  await runCase(input, async ({ handle }) => {
    await waitForCase(handle, (s) => s.escalations.length === 1, 'the escalation');
    const soc = await eventually(() => messagesOf(handle.workflowId, 'channel')[0], 'the SOC card');
    const click = (as: string, missedBy?: string) =>
      teams.standIn.clickCard({
        as,
        activityId: soc.activityId,
        button: 'Should have been caught by…',
        ...(missedBy === undefined ? {} : { data: { missedBy } }),
      });
    expect((await click(JDOE.id, 'mfa-fatigue')).message).toBe('Only SOC analysts can decide on this case');
    expect((await click(ANALYST)).message).toBe('Name the rule that should have caught this case');

    const recorded = await click(ANALYST, 'mfa-fatigue, leaked-credentials');
    expect(recorded.status).toBe(200);
    expect(cardText(recorded.card)).toContain('Recorded as a missed detection of: mfa-fatigue, leaked-credentials');
    // The same rules again are the same record.
    expect((await click(ANALYST, 'leaked-credentials,mfa-fatigue')).status).toBe(200);
    const id = missedFromCaseId(handle.workflowId, ['mfa-fatigue', 'leaked-credentials']);
    const record = await harness.env.client.workflow.getHandle(missedDetectionWorkflowId(id)).result();
    expect(record).toMatchObject({
      rules: ['leaked-credentials', 'mfa-fatigue'],
      caseWorkflowId: handle.workflowId,
      by: 'Ana Lyst',
      at: input.alert.detectedAt,
    });
    // The case itself is untouched: still the analysts'.
    expect((await handle.query(caseStateQuery)).triageState).toBe('awaiting-analyst');
  });
});
