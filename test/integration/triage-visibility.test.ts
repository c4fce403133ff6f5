import { decodeHistory } from '../harness/histories';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { submitAlert } from '../../client/triage-client';
import { parsePolicy } from '../../common/policy';
import { analystDecisionUpdate } from '../../common/messages/triage';
import { ANALYST, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

let dev: DevServerHarness;
beforeAll(async () => {
  dev = await connectDevServer();
});
afterAll(async () => {
  await dev?.teardown();
});

async function listIds(query: string, expected: number): Promise<string[]> {
  // Visibility is eventually consistent: poll until the expected number of workflows is indexed.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ids: string[] = [];
    for await (const wf of dev.client.workflow.list({ query })) ids.push(wf.workflowId);
    if (ids.length >= expected || Date.now() > deadline) return ids.sort();
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('analysts find cases by triage state and rule; the Web UI shows the summary and the story so far', async () => {
  const taskQueue = uniqueTaskQueue('visibility');
  const rule = `rule-${taskQueue.slice(-8)}`;
  const otherRule = `other-${taskQueue.slice(-8)}`;
  const world = World.create(demoSeed());
  const worker = await triageWorker(dev.nativeConnection, taskQueue, createInMemoryPorts(world));
  const analyst = parsePolicy({ mode: 'analyst' });
  const autoContain = parsePolicy({ mode: 'auto-contain', containmentActions: ['block-ip'] });

  await worker.runUntil(async () => {
    const a = await submitAlert(dev.client, {
      alert: makeAlert({ ruleId: rule, ruleName: 'Impossible travel' }),
      policy: analyst,
      analysts: [ANALYST],
      taskQueue,
    });
    const b = await submitAlert(dev.client, {
      alert: makeAlert({ ruleId: rule, ruleName: 'Impossible travel' }),
      policy: analyst,
      analysts: [ANALYST],
      taskQueue,
    });
    const c = await submitAlert(dev.client, {
      alert: makeAlert({ ruleId: otherRule, ruleName: 'Known bad IP', severity: 'medium' }),
      policy: autoContain,
      analysts: [ANALYST],
      taskQueue,
    });
    await waitForCase(dev.client.workflow.getHandle(a.workflowId), (s) => s.escalations.length === 1, 'escalation a');
    await waitForCase(dev.client.workflow.getHandle(b.workflowId), (s) => s.escalations.length === 1, 'escalation b');
    await waitForCase(
      dev.client.workflow.getHandle(c.workflowId),
      (s) => s.triageState === 'contained' && s.escalations.length === 1,
      'containment c',
    );
    await dev.client.workflow
      .getHandle(b.workflowId)
      .executeUpdate(analystDecisionUpdate, { args: [{ analystId: ANALYST, decision: 'close-benign' }] });
    await dev.client.workflow.getHandle(b.workflowId).result();

    expect(await listIds(`SocRuleId = '${rule}' AND SocTriageState = 'awaiting-analyst'`, 1)).toEqual([a.workflowId]);
    expect(
      await listIds(`SocRuleId = '${rule}' AND SocDisposition = 'benign-positive' AND SocTriageState = 'closed'`, 1),
    ).toEqual([b.workflowId]);
    expect(
      await listIds(
        `SocRuleId = '${otherRule}' AND SocTriageState = 'contained' AND SocRoute = 'auto-contain' AND SocSeverity = 'medium'`,
        1,
      ),
    ).toEqual([c.workflowId]);
    expect(await listIds(`SocRuleId IN ('${rule}', '${otherRule}') AND SocSource = 'generic'`, 3)).toEqual(
      [a.workflowId, b.workflowId, c.workflowId].sort(),
    );

    const handle = dev.client.workflow.getHandle(c.workflowId);
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe('Known bad IP · jdoe · medium');
    expect(await description.staticDetails()).toContain('Sign-in from two countries within an hour');
    expect(
      description.typedSearchAttributes.getAll().find((p) => p.key.name === 'SocContainedAt')?.value,
    ).toBeInstanceOf(Date);

    // Current details: what the Web UI shows as the story so far.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('**State:** contained');
    expect(metadata.currentDetails).toContain('block-ip 203.0.113.50: **applied**');
    expect(metadata.currentDetails).toContain('**Escalated**');

    // Activity and timer summaries appear in history, where the UI shows them.
    // Through the codec, as the Web UI shows them (in the database they are encrypted).
    const history = await decodeHistory(await handle.fetchHistory());
    const summaries = (history.events ?? [])
      .map((e) => e.userMetadata?.summary)
      .filter(Boolean)
      .map((payload) => Buffer.from(payload!.data!).toString('utf8'));
    expect(summaries).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Gather context'),
        expect.stringContaining('Block IP 203.0.113.50'),
        expect.stringContaining('Escalate to analysts'),
        expect.stringContaining('Wait for an analyst decision'),
      ]),
    );
    for (const id of [a.workflowId, c.workflowId]) await dev.client.workflow.getHandle(id).terminate('test finished');
  });
});
