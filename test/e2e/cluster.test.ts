import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { CaseState } from '../../common/triage';
import { startCluster, type Cluster } from '../../scripts/cluster';
import { projectRoot, temporalDir } from '../../scripts/servers';
import { standInGraphEnv, type GraphStandIn } from '../../standins/graph';
import { startTeamsStandIn, type TeamsStandIn } from '../../standins/teams/standin';
import { analystDecisionUpdate } from '../../common/messages/triage';
import { ANALYST, JDOE } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { clusterUnavailable } from '../harness/cluster';
import { startStandIn } from '../harness/graph';
import { quietRuntime, testDataConverter } from '../harness/temporal';

/**
 * The production topology: the real Temporal server on PostgreSQL (SQL visibility), two workers and two intakes, each
 * its own process, as `npm run cluster` runs them. Alerts go in through the intakes; the workers act on one Graph
 * stand-in, so whichever worker contains a case and whichever undoes it, the directory must end as it began.
 */

const unavailable = clusterUnavailable();
if (unavailable) console.warn(`Skipping the cluster test: ${unavailable}`);
const clusterTest = unavailable ? test.skip : test;

const HOST = 'laptop-jdoe.contoso.example';
const IP = '203.0.113.50';

let dir: string;
let standIn: GraphStandIn;
let teams: TeamsStandIn;
let cluster: Cluster;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  if (unavailable) return;
  quietRuntime();
  dir = mkdtempSync(join(temporalDir, 'cluster-test-'));
  standIn = await startStandIn({ machineActionDelayMs: 300 });
  // Production workers ask in Teams or do not start: here Teams is its local Bot Connector stand-in.
  teams = await startTeamsStandIn({
    tls: {
      cert: readFileSync(process.env.SOC_STANDIN_TLS_CERT!, 'utf8'),
      key: readFileSync(process.env.SOC_STANDIN_TLS_KEY!, 'utf8'),
    },
    users: [{ id: JDOE.id, name: 'Jane Doe', upn: JDOE.upn }],
  });
  cluster = await startCluster({
    dir,
    productEnv: {
      ...standInGraphEnv(standIn),
      ...teams.env(),
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS!,
      SOC_ANALYSTS: ANALYST,
      SOC_WORKFLOW_BUNDLE: process.env.SOC_TEST_WORKFLOW_BUNDLE!,
      SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS: '0',
    },
    log: () => undefined,
  });
  connection = await Connection.connect({ address: cluster.temporalAddress });
  client = new Client({ connection, namespace: cluster.namespace, dataConverter: testDataConverter() });
}, 300_000);

afterAll(async () => {
  await connection?.close();
  await cluster?.stop();
  await standIn?.stop();
  await teams?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

function genericAlert(ruleId: string, ruleName: string) {
  return {
    sourceAlertId: randomUUID(),
    sourceInstance: 'cluster-test',
    ruleId,
    ruleName,
    title: ruleName,
    severity: 'high',
    detectedAt: new Date().toISOString(),
    entities: { userPrincipalName: JDOE.upn, userObjectId: JDOE.id, host: HOST, sourceIp: IP },
  };
}

/** Posts alerts to one of the intakes and returns their workflow ids (202: durably handed to Temporal). */
async function deliver(intake: number, alerts: object[]): Promise<string[]> {
  const response = await fetch(`${cluster.intakeUrls[intake]}/v1/alerts/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.intakeToken}` },
    body: JSON.stringify(alerts),
  });
  const body = (await response.json()) as { results: { outcome: string; workflowId: string }[] };
  expect({ status: response.status, outcomes: body.results.map((r) => r.outcome) }).toEqual({
    status: 202,
    outcomes: alerts.map(() => 'started'),
  });
  return body.results.map((r) => r.workflowId);
}

/** Polls a visibility query until it lists `workflowId`. */
async function waitListed(query: string, workflowId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed: string[] = [];
    for await (const wf of client.workflow.list({ query })) listed.push(wf.workflowId);
    if (listed.includes(workflowId)) return;
    if (Date.now() > deadline) throw new Error(`${query} did not list ${workflowId} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

clusterTest(
  'an auto-contain alert is contained and escalated; an analyst closes it as false positive and containment is undone',
  async () => {
    const seeded = standIn.snapshot();
    const [workflowId] = await deliver(0, [genericAlert('ransomware-behaviour', 'Ransomware behaviour')]);
    const handle = client.workflow.getHandle(workflowId!);

    const contained = await waitForCase(
      handle,
      (s) => s.triageState === 'contained' && s.escalations.length > 0,
      'containment and escalation',
      60_000,
    );
    expect(contained.containment.map((c) => [c.action, c.status])).toEqual(
      expect.arrayContaining([
        ['isolate-host', 'applied'],
        ['disable-account', 'applied'],
        ['block-ip', 'applied'],
      ]),
    );
    expect(standIn.snapshot()).toMatchObject({
      users: { [JDOE.upn]: { accountEnabled: false } },
      machines: { [HOST]: { isolated: true } },
    });

    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
    });
    const closed = (await handle.result()) as CaseState;
    expect({ state: closed.triageState, disposition: closed.disposition }).toEqual({
      state: 'closed',
      disposition: 'false-positive',
    });
    expect(standIn.snapshot()).toEqual(seeded);
  },
  120_000,
);

clusterTest('a confirm-with-user alert asks the user and waits for the answer', async () => {
  const [workflowId] = await deliver(1, [genericAlert('impossible-travel', 'Impossible travel')]);
  const handle = client.workflow.getHandle(workflowId!);
  const asked = await waitForCase(handle, (s) => s.triageState === 'awaiting-user', 'the question', 60_000);
  expect(asked.question).toMatchObject({ userPrincipalName: JDOE.upn });
  expect(asked.question?.outcome).toBeUndefined();
  await handle.terminate('test finished');
});

clusterTest('cases are found by the product search attributes on PostgreSQL visibility, as soc list does', async () => {
  const startedAt = new Date().toISOString();
  const [contained, asked] = await deliver(0, [
    genericAlert('ransomware-behaviour', 'Ransomware behaviour'),
    genericAlert('impossible-travel', 'Impossible travel'),
  ]);
  const triage = "WorkflowType = 'triageWorkflow'";
  await waitListed(
    `${triage} AND SocRuleId = 'ransomware-behaviour' AND SocTriageState = 'contained' AND SocContainedAt >= '${startedAt}' AND SocSeverity = 'high' AND SocRoute = 'auto-contain'`,
    contained!,
    60_000,
  );
  await waitListed(
    `${triage} AND SocTriageState = 'awaiting-user' AND SocSource = 'generic' AND StartTime >= '${startedAt}'`,
    asked!,
    60_000,
  );

  // The CLI itself, against the cluster.
  const list = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), 'client/cli.ts', 'list', '--state', 'awaiting-user'],
    {
      cwd: projectRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: cluster.temporalAddress },
      encoding: 'utf8',
    },
  );
  expect(list.stderr).toBe('');
  expect(list.stdout).toContain(asked);
  expect(list.stdout).not.toContain(contained);

  for (const id of [contained!, asked!]) await client.workflow.getHandle(id).terminate('test finished');
});
