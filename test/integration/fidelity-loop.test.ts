import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import type { World } from '../../activities/in-memory/world';
import { readPromotionLedger } from '../../activities/fidelity';
import { createPromotionAwareCatalog, ensureFidelitySchedule } from '../../client/fidelity';
import { submitAlert } from '../../client/triage-client';
import { WouldContainKey } from '../../common/search-attributes';
import { parseRuleCatalog } from '../../common/rules';
import type { CaseState } from '../../common/triage';
import type { fidelityReviewWorkflow, FidelityReviewResult } from '../../workflows/fidelity/workflow';
import { answerQuestionUpdate } from '../../common/messages/triage';
import { ANALYST, JDOE, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { currentDetails, fidelityWorker, ledgerAfter } from '../harness/fidelity';
import { startSeeder, waitForVisibility, type SeededCase, type Seeder } from '../harness/seeding';
import { connectDevServer, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

const run = randomUUID().slice(0, 8);
const mfa = `${run}-mfa-fatigue`;
const travel = `${run}-impossible-travel`;
const spray = `${run}-password-spray`;
const ledgerWorkflowId = `${run}-fidelity-ledger`;
const scheduleId = `${run}-fidelity-review`;

/** Threshold 0.8 over at least 20: with no misses the bound is n / (n + 3.8415), 0.832 at 19 and 0.839 at 20. */
const catalog = parseRuleCatalog(
  `rules:
  ${mfa}:
    mode: confirm-with-user
    containmentActions: [revoke-sessions, disable-account]
    allowAutoContain: true
    promotion: { threshold: 0.8, minDispositions: 20, minShadowDispositions: 2 }
  ${travel}:
    mode: confirm-with-user
    containmentActions: [revoke-sessions, disable-account]
    onUserConfirms: close
    stepUp: false
    allowAutoContain: false
    promotion: { threshold: 0.8, minDispositions: 20 }
  ${spray}:
    mode: analyst
    containmentActions: [block-ip]
    allowAutoContain: true
    promotion: { threshold: 0.8, minDispositions: 20 }
`,
  'test catalog',
);

const closedAs = (
  ruleId: string,
  disposition: SeededCase['disposition'],
  count: number,
  extra: Partial<SeededCase> = {},
): SeededCase[] =>
  Array.from({ length: count }, () => ({
    ruleId,
    route: 'confirm-with-user',
    disposition,
    settledBy: 'analyst',
    triagedAfterMs: 60_000,
    closedAfterMs: 60_000,
    ...extra,
  }));

let server: DevServerHarness;
let seeder: Seeder;
let worker: Worker;
let world: World;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('fidelity');
let reviews = 0;

beforeAll(async () => {
  server = await connectDevServer();
  seeder = await startSeeder(server.client, server.nativeConnection, uniqueTaskQueue('fidelity-seed'));
  ({ worker, world } = await fidelityWorker({
    client: server.client,
    connection: server.nativeConnection,
    taskQueue,
    catalog,
    ledgerWorkflowId,
  }));
  running = worker.run();
});
afterAll(async () => {
  await server?.client.schedule
    .getHandle(scheduleId)
    .delete()
    .catch(() => undefined);
  await server?.client.workflow
    .getHandle(ledgerWorkflowId)
    .terminate('test finished')
    .catch(() => undefined);
  await seeder?.close();
  worker?.shutdown();
  await running;
  await server?.teardown();
});

async function review(): Promise<FidelityReviewResult> {
  reviews += 1;
  const result = await server.client.workflow.execute<typeof fidelityReviewWorkflow>('fidelityReviewWorkflow', {
    taskQueue,
    workflowId: `${run}-review-${reviews}`,
  });
  await ledgerAfter(server.client, ledgerWorkflowId, result.reviewedAt);
  return result;
}

const changes = (result: FidelityReviewResult) =>
  result.transitions.map((t) => `${t.ruleId.slice(run.length + 1)}: ${t.from} -> ${t.to}`);
/** The catalog as the intake sees it, read afresh from the ledger. */
async function policyFor(ruleId: string) {
  const current = await createPromotionAwareCatalog(server.client, catalog, { refreshMs: 0, ledgerWorkflowId });
  return current.policyFor(ruleId);
}

test('the schedule runs a review that promotes exactly at the threshold, first to shadow mode', async () => {
  await seeder.seed([
    ...closedAs(mfa, 'true-positive', 20),
    ...closedAs(travel, 'true-positive', 20),
    ...closedAs(spray, 'true-positive', 19, { route: 'analyst' }),
  ]);

  const schedule = await ensureFidelitySchedule(server.client, taskQueue, {
    every: '1h',
    scheduleId,
    ledgerWorkflowId,
  });
  await ensureFidelitySchedule(server.client, taskQueue, { every: '1h', scheduleId, ledgerWorkflowId }); // idempotent
  const description = await schedule.describe();
  expect(description.action).toMatchObject({
    type: 'startWorkflow',
    workflowType: 'fidelityReviewWorkflow',
    taskQueue,
  });
  expect(description.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
  expect(description.policies.overlap).toBe('SKIP');

  await schedule.trigger();
  let reviewId: string | undefined;
  while (!reviewId) {
    reviewId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const result = (await server.client.workflow.getHandle(reviewId).result()) as FidelityReviewResult;
  const ledger = await ledgerAfter(server.client, ledgerWorkflowId, result.reviewedAt);

  // Changes are listed in catalog order.
  expect(changes(result)).toEqual(['mfa-fatigue: none -> shadow', 'impossible-travel: none -> shadow']);
  const sprayReview = result.rules.find((r) => r.ruleId === spray)!;
  expect(sprayReview.decision).toMatchObject({ level: 'none', dispositions: 19 });
  expect(sprayReview.decision.bound).toBeGreaterThan(0.8); // above the threshold, but one disposition short
  expect(ledger.promotions[mfa]).toMatchObject({ level: 'shadow', since: result.reviewedAt });
  expect(ledger.promotions[spray]).toBeUndefined();

  // Visible in the Web UI: the review's details and the ledger's details say what changed and why.
  const details = await currentDetails(server.client, reviewId);
  expect(details).toContain(
    `**Promoted** \`${mfa}\`: none → shadow — Wilson lower bound 0.839 over 20 dispositions (threshold 0.8, minimum 20): reaches the threshold`,
  );
  expect(await currentDetails(server.client, ledgerWorkflowId)).toContain(`| \`${mfa}\` | **shadow** |`);

  expect(await policyFor(mfa)).toMatchObject({ mode: 'confirm-with-user', shadowAutoContain: true });
  expect(await policyFor(spray)).toMatchObject({ mode: 'analyst', shadowAutoContain: false });
});

test('shadow mode records "would have contained" on the case and never contains', async () => {
  const policy = await policyFor(travel);
  const alert = makeAlert({ ruleId: travel, ruleName: 'Impossible travel' });
  const { workflowId } = await submitAlert(server.client, { alert, policy, analysts: [ANALYST], taskQueue });
  const handle = server.client.workflow.getHandle(workflowId);

  const asked = await waitForCase(
    handle,
    (s) => s.triageState === 'awaiting-user' && Boolean(s.question?.messageRef),
    'the question',
  );
  expect(asked.route).toBe('confirm-with-user');
  expect(asked.wouldHaveContained?.actions).toEqual(['revoke-sessions', 'disable-account']);
  expect(asked.containment).toEqual([]);

  await handle.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-me' }] });
  const closed = (await handle.result()) as CaseState;
  expect(closed).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', containment: [] });
  expect(world.data.effectLog).toEqual([]);
  expect(world.findUser({ objectId: JDOE.id }).accountEnabled).toBe(true);
  expect((await handle.describe()).typedSearchAttributes.get(WouldContainKey)).toBe(true);
  expect(await currentDetails(server.client, workflowId)).toContain(
    '**Shadow mode:** would have contained automatically (revoke-sessions, disable-account); did not',
  );
  await waitForVisibility(
    server.client,
    `WorkflowId = '${workflowId}' AND SocTriageState = 'closed' AND SocWouldContain = true`,
    1,
  );
});

test('real automatic containment comes after enough shadow dispositions, only where allowed; one miss demotes', async () => {
  // travel: 20 TP + the benign positive above → bound 0.773 < 0.8 → demoted. spray: its 20th disposition → shadow.
  // mfa: one shadow disposition of the two required → stays in shadow mode.
  await seeder.seed([
    ...closedAs(spray, 'true-positive', 1, { route: 'analyst' }),
    ...closedAs(mfa, 'true-positive', 1, { wouldContain: true }),
  ]);
  const second = await review();
  expect(changes(second)).toEqual(['impossible-travel: shadow -> none', 'password-spray: none -> shadow']);
  expect(second.rules.find((r) => r.ruleId === mfa)!.decision.reason).toMatch(/1 of 2 shadow dispositions so far$/);

  await seeder.seed(closedAs(mfa, 'true-positive', 1, { wouldContain: true }));
  const third = await review();
  expect(changes(third)).toEqual(['mfa-fatigue: shadow -> auto-contain']);
  expect(await policyFor(mfa)).toMatchObject({ mode: 'auto-contain' });
  expect(await policyFor(travel)).toMatchObject({ mode: 'confirm-with-user', shadowAutoContain: false });

  // 22 of 22 → 0.851; 22 of 23 → 0.790: the first false positive takes the rule back to its catalog mode.
  await seeder.seed(closedAs(mfa, 'false-positive', 1));
  const fourth = await review();
  expect(changes(fourth)).toEqual(['mfa-fatigue: auto-contain -> none']);
  expect(fourth.transitions[0]!.reason).toBe(
    'Wilson lower bound 0.790 over 23 dispositions (threshold 0.8, minimum 20): below the threshold',
  );
  expect(await policyFor(mfa)).toMatchObject({ mode: 'confirm-with-user', shadowAutoContain: false });
  expect(await currentDetails(server.client, fourth.reviewId)).toContain(`**Demoted** \`${mfa}\`: auto-contain → none`);

  const ledger = await readPromotionLedger(server.client, ledgerWorkflowId);
  expect(ledger.recentTransitions.map((t) => `${t.ruleId.slice(run.length + 1)}: ${t.from} -> ${t.to}`)).toEqual([
    'mfa-fatigue: none -> shadow',
    'impossible-travel: none -> shadow',
    'impossible-travel: shadow -> none',
    'password-spray: none -> shadow',
    'mfa-fatigue: shadow -> auto-contain',
    'mfa-fatigue: auto-contain -> none',
  ]);
});

test('promotion levels survive the ledger stopping: the next review restarts it from its last state', async () => {
  await server.client.workflow.getHandle(ledgerWorkflowId).terminate('simulated loss of the ledger run');
  const result = await review();
  expect(result.transitions).toEqual([]);
  const ledger = await readPromotionLedger(server.client, ledgerWorkflowId);
  expect(ledger.promotions[spray]?.level).toBe('shadow');
  expect((await server.client.workflow.getHandle(ledgerWorkflowId).describe()).status.name).toBe('RUNNING');
});
