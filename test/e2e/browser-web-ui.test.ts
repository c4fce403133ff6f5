import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { submitAlert } from '../../client/triage-client';
import type { PromotionLedgerView } from '../../common/fidelity';
import { parsePolicy } from '../../common/policy';
import { staticCatalog } from '../../common/rules';
import { freePort, startDevServer } from '../../scripts/servers';
import { ANALYST, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { frameShowing, openBrowser, type Browser } from '../harness/chromium';
import { fidelityWorker } from '../harness/fidelity';
import { quietRuntime, testDataConverter, uniqueTaskQueue } from '../harness/temporal';
import { startDemoCodecServer } from '../../client/codec-server/demo';
import { triageCasesUrl } from '../../workers/web-ui';

/**
 * A dev server of our own with the Web UI on (the shared one is headless), decrypting through the codec server the way
 * `npm start` runs it, a worker, and a headless Chromium. Every payload is encrypted: what the UI shows readable, it
 * got from the codec server.
 */
let env: TestWorkflowEnvironment;
let codecServer: { url: string; close(): Promise<void> };
let ui: string;
let worker: Worker;
let running: Promise<void>;
let browser: Browser;
const taskQueue = uniqueTaskQueue('web-ui');
let triageCase: string | undefined;

beforeAll(async () => {
  quietRuntime();
  const uiPort = await freePort();
  ui = `http://127.0.0.1:${uiPort}`;
  const dataConverter = testDataConverter();
  codecServer = await startDemoCodecServer(dataConverter.payloadCodecs![0]!, {
    port: await freePort(),
    uiOrigins: [ui],
  });
  env = await startDevServer({ ui: true, uiPort }, undefined, {
    client: { dataConverter },
    extraArgs: ['--ui-codec-endpoint', codecServer.url],
  });
  ({ worker } = await fidelityWorker({
    client: env.client,
    connection: env.nativeConnection,
    taskQueue,
    catalog: staticCatalog({}),
    ledgerWorkflowId: 'soc-fidelity-ledger',
  }));
  running = worker.run();
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  worker?.shutdown();
  await running;
  await env?.teardown();
  await codecServer?.close();
});

async function openUserMetadata(workflowId: string): Promise<void> {
  await browser.page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  await browser.page.getByRole('tab', { name: 'User Metadata' }).click({ timeout: 30_000 });
}

test('the Web UI shows a triage workflow with its summary, its details and the case as it stands', async () => {
  const alert = makeAlert();
  const { workflowId } = await submitAlert(env.client, {
    alert,
    policy: parsePolicy({ mode: 'analyst' }),
    analysts: [ANALYST],
    taskQueue,
  });
  await waitForCase(env.client.workflow.getHandle(workflowId), (s) => s.escalations.length === 1, 'the escalation');
  triageCase = workflowId;

  // The server holds the summary encrypted: the UI can show it only through the codec server.
  const [started] = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  expect(Buffer.from(started!.userMetadata!.summary!.metadata!.encoding!).toString()).toBe('binary/encrypted');

  await browser.page.goto(`${ui}/namespaces/default/workflows`);
  await browser.page.getByText(workflowId).first().waitFor({ timeout: 30_000 });
  expect(await browser.page.getByText('triageWorkflow').count()).toBeGreaterThan(0);

  await openUserMetadata(workflowId);
  expect((await frameShowing(browser.page, 'Impossible travel · jdoe · high')).text.trim()).toBe(
    'Impossible travel · jdoe · high',
  );
  const details = (await frameShowing(browser.page, 'Sign-ins from Seattle, US and Lagos, NG 55 minutes apart.')).text;
  expect(details).toContain('Rule impossible-travel · high');
  expect(details).toContain('user jdoe@contoso.example · host laptop-jdoe.contoso.example · IP 203.0.113.50');
  const current = (await frameShowing(browser.page, 'State: awaiting-analyst')).text;
  expect(current).toContain('State: awaiting-analyst · Disposition: undetermined · Route: analyst');
  expect(current).toContain('User: Jane Doe (jdoe@contoso.example), Controller, Finance; manager Morgan Lee');
  expect(current).toMatch(/Escalated at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: this rule is triaged by analysts/);
});

test("the Web UI shows the promotions the fidelity loop made, in the ledger workflow's details", async () => {
  const at = new Date().toISOString();
  const ledger: PromotionLedgerView = {
    promotions: { 'mfa-fatigue': { level: 'shadow', since: at } },
    recentTransitions: [
      {
        ruleId: 'mfa-fatigue',
        from: 'none',
        to: 'shadow',
        at,
        reason: 'Wilson lower bound 0.950 over 73 dispositions (threshold 0.95, minimum 20): reaches the threshold',
        bound: 0.95,
        dispositions: 73,
        reviewId: 'soc-fidelity-review-1',
      },
    ],
    reviewedAt: at,
  };
  // A ledger continued as new carries its levels exactly like this.
  await env.client.workflow.start('fidelityLedgerWorkflow', {
    workflowId: 'soc-fidelity-ledger',
    taskQueue,
    args: [ledger],
    staticSummary: 'Rule promotions earned by the fidelity loop',
  });

  await openUserMetadata('soc-fidelity-ledger');
  await frameShowing(browser.page, 'Rule promotions earned by the fidelity loop');
  const current = (await frameShowing(browser.page, 'Recent changes')).text;
  expect(current).toMatch(/mfa-fatigue\s*\|?\s*shadow/);
  expect(current).toContain(
    'Promoted mfa-fatigue: none → shadow — Wilson lower bound 0.950 over 73 dispositions (threshold 0.95, minimum 20): reaches the threshold',
  );
});

test("the banner's link lists the triage cases only: not the ledger or the other helper workflows", async () => {
  expect(triageCase).toBeDefined();
  await browser.page.goto(triageCasesUrl(ui, 'default'));
  await browser.page.getByText(triageCase!).first().waitFor({ timeout: 30_000 });
  expect(await browser.page.getByText('triageWorkflow').count()).toBeGreaterThan(0);
  // The ledger workflow started above is in the namespace, but not in this list.
  expect(await browser.page.getByText('soc-fidelity-ledger').count()).toBe(0);
  expect(await browser.page.getByText('fidelityLedgerWorkflow').count()).toBe(0);
});
