import type { Worker } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import type { IdentityDirectory } from '../../activities/ports';
import { cachedAnalystGroup, graphAnalystGroup } from '../../client/teams/analyst-group';
import { loadTriageConfig } from '../../common/config';
import { caseStateQuery } from '../../common/messages/triage';
import type { CaseState } from '../../common/triage';
import { workflowTypes } from '../../common/workflow-types';
import type { GraphStandIn } from '../../standins/graph';
import { startTeamsLoop, type TeamsLoop } from '../../standins/teams/loop';
import { cardButtons } from '../../standins/teams/standin';
import { ANALYST, makeInput } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { graphPortsFor, startStandIn } from '../harness/graph';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

/**
 * Analysts named by Entra group (SOC_ANALYST_GROUP_ID): the bot reads the clicker's transitive memberships from the
 * Graph stand-in, caches the answer for a few minutes, and sends a member's decision as its own identity, which the
 * workflow's analysts list holds; a non-member is refused before the workflow is called.
 */

// In the Graph stand-in's demo directory: Alex Smith is in Engineering, Morgan Lee only in Finance.
const SOC_GROUP = 'g-eng';
const ASMITH = { id: '33333333-3333-4333-8333-333333333333', name: 'Alex Smith' };
const MLEE = { id: '22222222-2222-4222-8222-222222222222', name: 'Morgan Lee' };

let graph: GraphStandIn;
let identity: IdentityDirectory;
let dev: DevServerHarness;
let teams: TeamsLoop;
let worker: Worker;
let running: Promise<void>;
let taskQueue: string;

beforeAll(async () => {
  graph = await startStandIn();
  identity = graphPortsFor(graph).identity;
  dev = await connectDevServer();
  teams = await startTeamsLoop({
    temporal: dev.client,
    analysts: [ANALYST],
    analystGroup: cachedAnalystGroup(graphAnalystGroup(identity, SOC_GROUP)),
    standIn: {
      users: [
        { id: ANALYST, name: 'Ana Lyst', analyst: true },
        { id: ASMITH.id, name: ASMITH.name },
        { id: MLEE.id, name: MLEE.name },
      ],
    },
  });
  taskQueue = uniqueTaskQueue('teams-analyst-group');
  worker = await triageWorker(dev.nativeConnection, taskQueue, {
    ...createInMemoryPorts(World.create(demoSeed())),
    messenger: teams.messenger,
  });
  running = worker.run();
});

afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await running;
  }
  await teams?.close();
  await dev?.teardown();
  await graph?.stop();
});

const membershipReads = () => graph.requests('transitiveMemberOf').length;

test('SOC_ANALYST_GROUP_ID is an Entra group object id', () => {
  const id = 'cccccccc-0000-4000-8000-000000000003';
  expect(loadTriageConfig({ SOC_ANALYST_GROUP_ID: id }).analystGroupId).toBe(id);
  expect(loadTriageConfig({}).analystGroupId).toBeUndefined();
  expect(() => loadTriageConfig({ SOC_ANALYST_GROUP_ID: 'SOC Analysts' })).toThrow(
    /SOC_ANALYST_GROUP_ID.*object id \(GUID\) of an Entra group/,
  );
});

test('membership comes from Graph and is cached for five minutes', async () => {
  let now = 1_000_000;
  const group = cachedAnalystGroup(graphAnalystGroup(identity, SOC_GROUP), 5 * 60_000, () => now);
  const before = membershipReads();
  expect(await group.isMember(ASMITH.id)).toBe(true);
  expect(await group.isMember(MLEE.id)).toBe(false);
  expect(membershipReads()).toBe(before + 2);
  now += 4 * 60_000;
  expect(await group.isMember(ASMITH.id)).toBe(true);
  expect(await group.isMember(MLEE.id)).toBe(false);
  expect(membershipReads()).toBe(before + 2);
  now += 2 * 60_000;
  expect(await group.isMember(ASMITH.id)).toBe(true);
  expect(membershipReads()).toBe(before + 3);
});

test('a group member decides on the SOC card as the bot; a non-member is refused and nothing changes', async () => {
  const input = { ...makeInput({ mode: 'analyst' }), analysts: [ANALYST, teams.config.appId] };
  const handle = await dev.client.workflow.start(workflowTypes.triage, {
    workflowId: `teams-analyst-group-${input.alert.sourceAlertId}`,
    taskQueue,
    args: [input],
  });
  try {
    await waitForCase(handle, (s) => s.escalations.length === 1, 'the escalation');
    let soc;
    for (const deadline = Date.now() + 30_000; !soc && Date.now() < deadline;) {
      soc = teams.standIn
        .messages({ kind: 'channel' })
        .find((m) => cardButtons(m.card).some((b) => b.data.workflowId === handle.workflowId));
      if (!soc) await new Promise((r) => setTimeout(r, 50));
    }
    expect(soc).toBeDefined();

    const refused = await teams.standIn.clickCard({
      as: MLEE.id,
      activityId: soc!.activityId,
      button: 'Close as benign',
    });
    expect([refused.status, refused.statusCode]).toEqual([200, 403]);
    expect(refused.message).toBe('Only SOC analysts can decide on this case');
    const untouched = await handle.query(caseStateQuery);
    expect(untouched.decisions).toEqual([]);
    expect(untouched.triageState).toBe('awaiting-analyst');

    const accepted = await teams.standIn.clickCard({
      as: ASMITH.id,
      activityId: soc!.activityId,
      button: 'Close as benign',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.statusCode).toBe(200);
    const closed = (await handle.result()) as CaseState;
    expect(closed).toMatchObject({ triageState: 'closed', disposition: 'benign-positive', settledBy: 'analyst' });
    expect(closed.decisions.map((d) => [d.analystId, d.decision])).toEqual([[teams.config.appId, 'close-benign']]);
    expect(closed.closeReason).toBe(`Close as benign by ${ASMITH.name} (${ASMITH.id}, SOC analyst group) in Teams`);
  } finally {
    await handle.terminate('test finished').catch(() => undefined);
  }
});
