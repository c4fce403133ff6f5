import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { cardText, STEP_UP_BUTTON } from '../../activities/teams/cards';
import { sendAnswer } from '../../client/triage-client';
import { loadGraphConfig } from '../../common/config/graph';
import { caseStateQuery } from '../../common/messages/triage';
import type { CaseState } from '../../common/triage';
import { workflowTypes } from '../../common/workflow-types';
import { DEMO_MFA_CODE, DEMO_PASSWORD } from '../../standins/entra/sign-in';
import { standInStepUp } from '../../standins/entra/step-up';
import { standInGraphEnv, type GraphStandIn } from '../../standins/graph';
import { stepUpPolicy } from '../../standins/graph/conditional-access-policies';
import { startTeamsLoop, type TeamsLoop } from '../../standins/teams/loop';
import type { StandInMessage } from '../../standins/teams/standin';
import { ANALYST, JDOE, makeInput } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { questionCard } from '../harness/teams';
import { openBrowser, type Browser } from '../harness/chromium';
import { startStandIn } from '../harness/graph';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

/**
 * Step-up before "yes, this was me", end to end: the Teams stand-in's card, the bot's confirmation page, the Entra
 * stand-in's sign-in with MFA, the real ID token checks and the workflow. One case waits for Jane Doe's answer while
 * every refusal arrives (each leaves the question open and records nothing); at the end she confirms in a browser.
 */

const MLEE = { id: '22222222-2222-4222-8222-222222222222', upn: 'mlee@contoso.example' };

let dev: DevServerHarness;
let graph: GraphStandIn;
let teams: TeamsLoop;
let worker: Worker;
let running: Promise<void>;
let handle: WorkflowHandle;
let question: StandInMessage;
let browser: Browser | undefined;

beforeAll(async () => {
  dev = await connectDevServer();
  graph = await startStandIn();
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
    stepUp: standInStepUp({
      standIn: graph,
      graph: loadGraphConfig(standInGraphEnv(graph))!,
      temporal: dev.client,
    }),
  });
  const taskQueue = uniqueTaskQueue('step-up');
  worker = await triageWorker(dev.nativeConnection, taskQueue, {
    ...createInMemoryPorts(World.create(demoSeed())),
    messenger: teams.messenger,
  });
  running = worker.run();
  // The shipped default: a confirm-with-user rule asks for step-up unless it says `stepUp: false`.
  const input = makeInput({ mode: 'confirm-with-user', onUserConfirms: 'close', containmentActions: [] });
  handle = await dev.client.workflow.start(workflowTypes.triage, {
    workflowId: `step-up-${input.alert.sourceAlertId}`,
    taskQueue,
    args: [input],
  });
  question = await questionCard(teams.standIn, handle, JDOE.id);
});

afterAll(async () => {
  await browser?.close();
  await handle?.terminate('test finished').catch(() => undefined);
  if (worker) {
    worker.shutdown();
    await running;
  }
  await teams?.close();
  await graph?.stop();
  await dev?.teardown();
});

afterEach(() => {
  graph.entra.idTokenOverrides = {};
});

async function expectStillOpen(): Promise<CaseState> {
  const state: CaseState = await handle.query(caseStateQuery);
  expect(state.triageState).toBe('awaiting-user');
  expect(state.disposition).toBe('undetermined');
  expect(state.question?.answer).toBeUndefined();
  expect(state.question?.outcome).toBeUndefined();
  expect(state.escalations).toEqual([]);
  return state;
}

/**
 * Jane clicks "Yes" in Teams: the bot answers with a card linking to the confirmation page, which Teams shows in place
 * of the question — with "No" and "Get a new confirmation link", the same answers under the same binding.
 */
async function yesLink(): Promise<string> {
  const click = await teams.standIn.clickCard({
    as: JDOE.id,
    activityId: question.activityId,
    verb: 'answer',
    choice: 'it-was-me',
  });
  expect(click.status).toBe(200);
  const actions = (click.card as { actions?: { type: string; title: string; url?: string }[] }).actions ?? [];
  const link = actions.find((a) => a.type === 'Action.OpenUrl' && a.title === STEP_UP_BUTTON)?.url;
  if (!link) throw new Error(`no confirmation link in the card: ${cardText(click.card)}`);
  return link;
}

const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

/** Opens the link: the page sends the browser on to Entra ID's authorization endpoint. */
async function openLink(link: string): Promise<URL> {
  const page = await fetch(link, { redirect: 'manual' });
  expect(page.status).toBe(302);
  return new URL(page.headers.get('location')!);
}

/** Signs in on the Entra stand-in (no browser): the callback URL it redirects to, with the code and the state. */
async function signIn(authorize: URL, as: { upn: string; mfa: boolean }): Promise<URL> {
  const passwordPage = await (await fetch(authorize)).text();
  const base = new URL('.', authorize);
  const mfaPage = await (
    await fetch(
      new URL('password', base),
      form({ interaction: hidden(passwordPage, 'interaction'), username: as.upn, password: DEMO_PASSWORD }),
    )
  ).text();
  const done = await fetch(
    new URL('mfa', base),
    form({
      interaction: hidden(mfaPage, 'interaction'),
      ...(as.mfa ? { step: 'verify', code: DEMO_MFA_CODE } : { step: 'skip' }),
    }),
  );
  expect(done.status).toBe(302);
  return new URL(done.headers.get('location')!);
}

/** The page the callback answers: its outcome and what it tells the user. */
async function callback(url: URL): Promise<{ status: number; outcome: string; detail: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  const html = await response.text();
  return {
    status: response.status,
    outcome: /data-outcome="([^"]+)"/.exec(html)?.[1] ?? '',
    detail: (/<p id="detail">([^<]*)<\/p>/.exec(html)?.[1] ?? '').replace(/&quot;/g, '"').replace(/&#39;/g, "'"),
  };
}

async function refusedStepUp(as: { upn: string; mfa: boolean }, reason: RegExp): Promise<URL> {
  const returned = await signIn(await openLink(await yesLink()), as);
  const page = await callback(returned);
  expect(page).toMatchObject({ status: 403, outcome: 'refused' });
  expect(page.detail).toMatch(reason);
  await expectStillOpen();
  return returned;
}

test('the "Yes" answers with a link, and the page asks Entra ID for a fresh MFA sign-in (code + PKCE, prompt=login, acrs)', async () => {
  const authorize = await openLink(await yesLink());
  const params = Object.fromEntries(authorize.searchParams);
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${graph.url}/${graph.tenantId}/oauth2/v2.0/authorize`);
  expect(params).toMatchObject({
    client_id: graph.clientId,
    response_type: 'code',
    scope: 'openid profile',
    redirect_uri: `${teams.stepUp!.config.publicBaseUrl}/stepup/callback`,
    code_challenge_method: 'S256',
    prompt: 'login',
    login_hint: JDOE.upn,
  });
  expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(params.state!.length).toBeGreaterThanOrEqual(32);
  expect(params.nonce!.length).toBeGreaterThanOrEqual(32);
  expect(JSON.parse(params.claims!)).toEqual({ id_token: { acrs: { essential: true, value: 'c1' } } });
  expect(params).not.toHaveProperty('max_age');
  await expectStillOpen();
});

test('a "yes" signal without step-up is refused by the workflow, and the question stays open', async () => {
  const outcome = await sendAnswer(
    dev.client,
    handle.workflowId,
    { userId: JDOE.upn, answer: 'it-was-me' },
    { requestId: randomUUID(), waitMs: 10_000 },
  );
  expect(outcome).toMatchObject({
    status: 'refused',
    reason: 'this answer counts only after a verified step-up sign-in with MFA',
  });
  await expectStillOpen();
});

test('someone other than the person asked signs in: refused', async () => {
  await refusedStepUp({ upn: MLEE.upn, mfa: true }, /someone other than the person asked signed in/);
});

test('MFA skipped, so no authentication context in acrs: refused', async () => {
  await refusedStepUp(
    { upn: JDOE.upn, mfa: false },
    /did not satisfy authentication context c1 \(multi-factor authentication was not completed\)/,
  );
});

test('a stale sign-in (issued 10 minutes ago) is refused', async () => {
  graph.entra.idTokenOverrides = { issuedSecondsAgo: 600 };
  await refusedStepUp({ upn: JDOE.upn, mfa: true }, /the sign-in is not fresh/);
});

test('an ID token for another app (audience) or from another tenant is refused', async () => {
  graph.entra.idTokenOverrides = { audience: randomUUID() };
  await refusedStepUp(
    { upn: JDOE.upn, mfa: true },
    /not valid for this app and tenant \(unexpected "aud" claim value\)/,
  );
  graph.entra.idTokenOverrides = { tenantId: randomUUID() };
  await refusedStepUp(
    { upn: JDOE.upn, mfa: true },
    /not valid for this app and tenant \(unexpected "iss" claim value\)/,
  );
});

test('a link, a state and a nonce work once: replays are refused', async () => {
  const link = await yesLink();
  await openLink(link);
  const again = await fetch(link, { redirect: 'manual' });
  expect(again.status).toBe(400);
  expect(await again.text()).toContain('This confirmation link was already used or has expired.');

  // The same callback twice: the state is spent by the first (refused here: MFA skipped).
  const returned = await refusedStepUp({ upn: JDOE.upn, mfa: false }, /authentication context c1/);
  expect(await callback(returned)).toMatchObject({ status: 400, outcome: 'refused' });

  // A code from sign-in A brought to sign-in B's callback: PKCE binds it to A's verifier.
  const first = await openLink(await yesLink());
  const second = await openLink(await yesLink());
  const crossed = await signIn(first, { upn: JDOE.upn, mfa: true });
  crossed.searchParams.set('state', second.searchParams.get('state')!);
  const pkce = await callback(crossed);
  expect(pkce).toMatchObject({ status: 403, outcome: 'refused' });
  expect(pkce.detail).toMatch(/AADSTS501481: The Code_Verifier does not match the code_challenge/);

  // An ID token carrying the nonce of an earlier sign-in (a replayed token) is refused.
  graph.entra.idTokenOverrides = { nonce: first.searchParams.get('nonce')! };
  const page = await callback(await signIn(await openLink(await yesLink()), { upn: JDOE.upn, mfa: true }));
  expect(page).toMatchObject({ status: 403, outcome: 'refused' });
  expect(page.detail).toMatch(/does not belong to this sign-in \(nonce\)/);
  await expectStillOpen();
});

test('no Conditional Access policy behind the context: step-up is unavailable, and says so', async () => {
  graph.state.conditionalAccessPolicies = [];
  try {
    expect(await teams.stepUp!.readiness.refresh()).toEqual({
      ready: false,
      reason: 'no Conditional Access policy targets authentication context c1',
    });
    const readyz = await fetch(`${teams.stepUp!.config.publicBaseUrl}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ status: 'step-up unavailable' });
    const page = await fetch(await yesLink(), { redirect: 'manual' });
    expect(page.status).toBe(503);
    expect(await page.text()).toContain(
      'Step-up unavailable: no Conditional Access policy targets authentication context c1',
    );
    // A policy that exists but does not sign in every time does not make acrs a proof either.
    const lax = stepUpPolicy();
    lax.sessionControls = null;
    graph.state.conditionalAccessPolicies = [lax];
    expect(await teams.stepUp!.readiness.refresh()).toMatchObject({ ready: false });
    await expectStillOpen();
  } finally {
    graph.state.conditionalAccessPolicies = [stepUpPolicy()];
    expect(await teams.stepUp!.readiness.refresh()).toMatchObject({ ready: true });
  }
});

test('in a browser: card → confirmation page → sign-in → MFA → the answer is recorded on the case with its proof', async () => {
  browser = await openBrowser({ trustAnyCertificate: true });
  const { page } = browser;
  await page.goto(`${teams.standIn.url}/`);
  // Jane's card is the confirmation card the earlier clicks left: she asks it for a new link.
  const card = page.locator('section').filter({ hasText: 'Chat with Jane Doe' }).first();
  await card.getByRole('button', { name: 'Get a new confirmation link' }).click();
  await page.locator('.result').getByRole('link', { name: STEP_UP_BUTTON }).click();

  await page.locator('#username').waitFor();
  expect(await page.locator('#username').inputValue()).toBe(JDOE.upn);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.locator('#sign-in').click();
  await page.locator('#code').fill(DEMO_MFA_CODE);
  await page.locator('#verify').click();
  await page.locator('h1[data-outcome="confirmed"]').waitFor();
  expect(await page.locator('h1').innerText()).toBe('Thanks — your answer is recorded');

  const state = await waitForCase(handle, (s) => s.question?.answer !== undefined, 'the recorded answer');
  expect(state.question?.answer).toMatchObject({
    answer: 'it-was-me',
    stepUp: { method: 'entra-step-up', acrs: ['c1'], verifiedAt: expect.any(String), authTime: expect.any(String) },
  });
  const closed = await waitForCase(handle, (s) => s.triageState === 'closed', 'the close');
  expect(closed).toMatchObject({ disposition: 'benign-positive', settledBy: 'user' });
});
