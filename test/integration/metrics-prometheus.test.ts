import { randomUUID } from 'node:crypto';
import { DefaultLogger, type Worker } from '@temporalio/worker';
import { submitAlert } from '../../client/triage-client';
import { parsePolicy } from '../../common/policy';
import { parseRuleCatalog } from '../../common/rules';
import type { CaseState } from '../../common/triage';
import { freePort } from '../../scripts/servers';
import { installWorkerTelemetry } from '../../workers/telemetry';
import { escalationCause } from '../../workflows/triage/case-metrics';
import type { fidelityReviewWorkflow } from '../../workflows/fidelity/workflow';
import { analystDecisionUpdate, answerQuestionUpdate } from '../../common/messages/triage';
import { ANALYST, JDOE, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { fidelityWorker, ledgerAfter } from '../harness/fidelity';
import { startSeeder, type Seeder } from '../harness/seeding';
import { connectDevServer, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

const run = randomUUID().slice(0, 8);
const rules = {
  analyst: `${run}-analyst-rule`,
  auto: `${run}-auto-rule`,
  shadow: `${run}-shadow-rule`,
  promoted: `${run}-promoted-rule`,
};
const ledgerWorkflowId = `${run}-ledger`;
const catalog = parseRuleCatalog(
  `rules:\n  ${rules.promoted}:\n    mode: analyst\n    promotion: { threshold: 0.8, minDispositions: 20 }\n`,
  'test catalog',
);
const taskQueue = uniqueTaskQueue('prometheus');

let metricsUrl: string;
let server: DevServerHarness;
let worker: Worker;
let running: Promise<void>;
let seeder: Seeder;
let scraped = '';

beforeAll(async () => {
  // The runtime must be installed before any connection exists.
  const port = await freePort();
  installWorkerTelemetry({ prometheusBind: `127.0.0.1:${port}`, logger: new DefaultLogger('WARN') });
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  server = await connectDevServer();
  ({ worker } = await fidelityWorker({
    client: server.client,
    connection: server.nativeConnection,
    taskQueue,
    catalog,
    ledgerWorkflowId,
  }));
  running = worker.run();
  seeder = await startSeeder(server.client, server.nativeConnection, uniqueTaskQueue('prometheus-seed'));
});
afterAll(async () => {
  await server?.client.workflow
    .getHandle(ledgerWorkflowId)
    .terminate('test finished')
    .catch(() => undefined);
  await seeder?.close();
  worker?.shutdown();
  await running;
  await server?.teardown();
});

async function start(ruleId: string, policy: Parameters<typeof parsePolicy>[0]) {
  const alert = makeAlert({ ruleId });
  const { workflowId } = await submitAlert(server.client, {
    alert,
    policy: parsePolicy(policy),
    analysts: [ANALYST],
    taskQueue,
  });
  return server.client.workflow.getHandle(workflowId);
}

/** The value of the sample of `name` whose labels include every one of `labels`. */
function sample(name: string, labels: Record<string, string>): number | undefined {
  const line = scraped
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('the worker exports the SDK runtime metrics and the product metrics of real cases and promotions', async () => {
  const analyst = await start(rules.analyst, { mode: 'analyst' });
  await waitForCase(analyst, (s) => s.escalations.length === 1, 'the escalation');
  await analyst.executeUpdate(analystDecisionUpdate, {
    args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
  });
  await analyst.result();

  const auto = await start(rules.auto, { mode: 'auto-contain', containmentActions: ['block-ip'] });
  await waitForCase(auto, (s) => s.triageState === 'contained' && s.escalations.length === 1, 'automatic containment');

  const shadow = await start(rules.shadow, {
    mode: 'confirm-with-user',
    stepUp: false,
    containmentActions: ['revoke-sessions'],
    shadowAutoContain: true,
  });
  await waitForCase(shadow, (s) => Boolean(s.question?.messageRef), 'the question');
  await shadow.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-me' }] });
  expect(((await shadow.result()) as CaseState).containment).toEqual([]);

  await seeder.seed(
    Array.from({ length: 20 }, () => ({
      ruleId: rules.promoted,
      route: 'analyst' as const,
      disposition: 'true-positive' as const,
      triagedAfterMs: 1_000,
      closedAfterMs: 1_000,
    })),
  );
  const review = await server.client.workflow.execute<typeof fidelityReviewWorkflow>('fidelityReviewWorkflow', {
    taskQueue,
    workflowId: `${run}-review`,
  });
  await ledgerAfter(server.client, ledgerWorkflowId, review.reviewedAt);

  // Workflow metrics reach the exporter asynchronously: scrape until the last one has arrived.
  for (
    let attempt = 0;
    attempt < 100 && sample('soc_rule_promotion_level', { rule_id: rules.promoted }) === undefined;
    attempt++
  ) {
    scraped = await (await fetch(metricsUrl)).text();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  expect(sample('soc_alerts_total', { rule_id: rules.analyst, route: 'analyst' })).toBe(1);
  expect(sample('soc_alerts_total', { rule_id: rules.auto, route: 'auto-contain' })).toBe(1);
  expect(sample('soc_alerts_total', { rule_id: rules.shadow, route: 'confirm-with-user' })).toBe(1);
  expect(sample('soc_escalations_total', { rule_id: rules.analyst, cause: 'routed' })).toBe(1);
  expect(sample('soc_time_to_triage_seconds_count', { rule_id: rules.analyst, settled_by: 'analyst' })).toBe(1);
  expect(sample('soc_time_to_triage_seconds_count', { rule_id: rules.auto, settled_by: 'automation' })).toBe(1);
  expect(sample('soc_time_to_contain_seconds_count', { rule_id: rules.auto, settled_by: 'automation' })).toBe(1);
  expect(sample('soc_time_to_contain_seconds_bucket', { rule_id: rules.auto, le: '30' })).toBe(1);
  expect(sample('soc_time_to_contain_seconds_count', { rule_id: rules.shadow })).toBeUndefined();
  expect(sample('soc_shadow_would_contain_total', { rule_id: rules.shadow })).toBe(1);
  expect(
    sample('soc_alerts_closed_total', { rule_id: rules.shadow, disposition: 'benign-positive', settled_by: 'user' }),
  ).toBe(1);
  expect(
    sample('soc_alerts_closed_total', { rule_id: rules.analyst, disposition: 'false-positive', settled_by: 'analyst' }),
  ).toBe(1);
  expect(
    sample('soc_rule_promotions_total', {
      rule_id: rules.promoted,
      from: 'none',
      to: 'shadow',
      direction: 'promotion',
    }),
  ).toBe(1);
  expect(sample('soc_rule_promotion_level', { rule_id: rules.promoted })).toBe(1);
  // The SDK's own runtime telemetry on the same endpoint.
  expect(sample('temporal_workflow_completed', { task_queue: taskQueue, workflow_type: 'triageWorkflow' })).toBe(2);
  expect(scraped).toMatch(/^temporal_activity_execution_latency_bucket\{/m);
});

test('escalations are labelled by cause: the user not answering, analysts staying silent, or routing', () => {
  expect(escalationCause('no response')).toBe('no-response');
  expect(escalationCause('no analyst decision within 4 h')).toBe('analyst-timeout');
  expect(escalationCause('this rule is triaged by analysts')).toBe('routed');
});
