import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { runPostureCommand } from '../../client/cli-posture';
import { ensurePostureSchedules } from '../../client/posture';
import { postureRows, renderPostureSection } from '../../client/metrics/posture-report';
import { loadPostureCatalog } from '../../common/posture-catalog';
import type { GraphPorts } from '../../activities/graph';
import { postureSubjects } from '../../activities/in-memory/posture-seed';
import { createPostureActivities } from '../../activities/posture';
import { findIssues, type DirectoryRoutine } from '../../activities/posture/checks';
import { findingStateQuery } from '../../common/messages/posture';
import { postureFindingWorkflowId, type FindingState } from '../../common/posture';
import type { WorkflowHandle } from '@temporalio/client';
import type { GraphStandIn } from '../../standins/graph';
import { createTriageWorker } from '../../workers/worker';
import { graphPortsFor, shape, startStandIn, triagePorts } from '../harness/graph';
import { routine, runRoutine } from '../harness/posture';
import {
  connectDevServer,
  testDataConverter,
  uniqueTaskQueue,
  workflowBundle,
  type DevServerHarness,
} from '../harness/temporal';

/** The posture routines' Graph paths, through the real Graph client over HTTPS against the stand-in (pages of 2). */

let standIn: GraphStandIn;
let graph: GraphPorts;
let temporal: DevServerHarness;

beforeAll(async () => {
  standIn = await startStandIn({ maxPageSize: 2 });
  graph = graphPortsFor(standIn, { tuning: { locationWrites: 'in-process' } });
  temporal = await connectDevServer();
});
beforeEach(() => standIn.reset());
afterAll(async () => {
  await standIn?.stop();
  await temporal?.teardown();
});

async function waitForState(handle: WorkflowHandle, state: FindingState): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const current = await handle.query(findingStateQuery).catch(() => undefined);
    if (current?.state === state) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the finding never reached ${state}`);
}

const subjects = async (yaml: string) =>
  (await findIssues(graph.posture!, routine(yaml) as DirectoryRoutine, Date.now())).map((f) => f.subject.id);

test('each check finds what it should through Graph, and only that', async () => {
  expect(await subjects('check: stale-guests\nschedule: { every: 1d }\nmode: report')).toEqual([
    postureSubjects.staleGuest,
  ]);
  expect(await subjects('check: privileged-without-mfa\nschedule: { every: 1d }\nmode: report')).toEqual([
    postureSubjects.adminWithoutMfa,
  ]);
  expect(await subjects('check: risky-users-without-case\nschedule: { every: 1d }\nmode: report')).toEqual([
    postureSubjects.riskyUser,
  ]);

  const [guests] = standIn.requests('listUsers').map(shape);
  expect(guests).toContain(`"$filter":"userType eq 'Guest'"`);
  expect(guests).toMatch(/"\$select":"[^"]*signInActivity/);
  expect(standIn.requests('listUsers').length).toBeGreaterThan(1); // paged: nextLink followed
  expect(standIn.requests('listSponsors').map((r) => r.path)).toEqual([
    `/v1.0/users/${postureSubjects.staleGuest}/sponsors`,
  ]);
  expect(standIn.requests('listRoleAssignments').map(shape)[0]).toContain(
    `"$filter":"roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'","$expand":"principal"`,
  );
  expect(standIn.requests('listRegistrationDetails').map(shape)).toEqual(
    expect.arrayContaining([expect.stringContaining(`"$filter":"id eq '${postureSubjects.adminWithoutMfa}'"`)]),
  );
  expect(standIn.requests('listRiskyUsers').map(shape)).toEqual([
    `GET /v1.0/identityProtection/riskyUsers {"$filter":"riskLevel eq 'high' and riskState eq 'atRisk'"}`,
  ]);
});

test('a stale guest in act mode is disabled through Graph once; a dry run changes nothing', async () => {
  const taskQueue = uniqueTaskQueue('posture-graph');
  const ports = triagePorts(graph);
  const worker = await createTriageWorker({
    dataConverter: testDataConverter(),
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    ports,
    workflowBundle: workflowBundle(),
    extraActivities: createPostureActivities({ directory: graph.posture! }),
  });
  const guest = () => standIn.state.users.find((u) => u.id === postureSubjects.staleGuest)!;
  const id = `posture-graph-${randomUUID().slice(0, 8)}`;
  await worker.runUntil(async () => {
    const dry = routine(`check: stale-guests\nschedule: { every: 1d }\nmode: act\ndryRun: true`);
    const dryRun = { ...dry, id: `${id}-dry` };
    expect(await runRoutine(temporal.client, taskQueue, dryRun, `${id}-dry-run`)).toMatchObject({
      found: 1,
      opened: 1,
    });
    const dryCase = temporal.client.workflow.getHandle(postureFindingWorkflowId(dryRun.id, postureSubjects.staleGuest));
    await waitForState(dryCase, 'dry-run');
    expect(standIn.requests('updateUser')).toHaveLength(0);

    const act = { ...routine('check: stale-guests\nschedule: { every: 1d }\nmode: act'), id: `${id}-act` };
    expect(await runRoutine(temporal.client, taskQueue, act, `${id}-run-1`)).toMatchObject({ found: 1, opened: 1 });
    const handle = temporal.client.workflow.getHandle(postureFindingWorkflowId(act.id, postureSubjects.staleGuest));
    await waitForState(handle, 'fixed-automatically');
    expect(guest().accountEnabled).toBe(false);
    expect(standIn.requests('updateUser')).toHaveLength(1);
    // The disabled guest is no longer stale: the next run finds nothing and changes nothing.
    expect(await runRoutine(temporal.client, taskQueue, act, `${id}-run-2`)).toMatchObject({ found: 0, opened: 0 });
    expect(standIn.requests('updateUser')).toHaveLength(1);
    const counted = async () => (await postureRows(temporal.client, { taskQueue })).find((r) => r.routine === act.id);
    for (let i = 0; i < 100 && (await counted())?.fixedAutomatically !== 1; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await counted()).toEqual({
      routine: act.id,
      opened: 1,
      fixedAutomatically: 1,
      fixedByPeople: 0,
      undone: 0,
      open: 0,
    });
    expect(renderPostureSection([(await counted())!])).toContain(
      `<td>${act.id}</td><td>1</td><td>1</td><td>0</td><td>0</td><td>0</td>`,
    );
    await handle.terminate('test finished');
    await dryCase.terminate('test finished');
  });
});

test('schedules are created once per routine and updated in place (a paused one stays paused); soc posture runs, pauses and lists them', async () => {
  const taskQueue = uniqueTaskQueue('posture-schedules');
  const worker = await createTriageWorker({
    dataConverter: testDataConverter(),
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    ports: triagePorts(graph),
    workflowBundle: workflowBundle(),
    extraActivities: createPostureActivities({ directory: graph.posture! }),
  });
  const cli = { client: temporal.client, taskQueue, analysts: [], rulesFile: '', close: async () => undefined };
  const routines = loadPostureCatalog(join(__dirname, '..', '..', 'rules', 'posture.yaml')).map((r) => ({
    ...r,
    mode: 'report' as const,
  }));
  await worker.runUntil(async () => {
    try {
      await ensurePostureSchedules(temporal.client, taskQueue, routines, []);
      expect(await runPostureCommand(['pause', 'stale-guests'], cli)).toBe('Routine stale-guests paused.');
      await ensurePostureSchedules(temporal.client, taskQueue, routines, []);
      const listed = await runPostureCommand([], cli);
      expect(
        listed
          .split('\n')
          .slice(1)
          .map((line) => line.split(/\s{2,}/).slice(0, 3)),
      ).toEqual([
        ['containment-drift', 'every 15m', 'active'],
        ['expired-ip-blocks', 'every 1d', 'active'],
        ['privileged-without-mfa', 'every 12h', 'active'],
        ['risky-users', 'every 1h', 'active'],
        ['stale-guests', 'calendar (cron)', 'paused'],
      ]);

      await runPostureCommand(['run', 'stale-guests'], cli);
      const findingId = postureFindingWorkflowId('stale-guests', postureSubjects.staleGuest);
      await waitForState(temporal.client.workflow.getHandle(findingId), 'reported');
      for (let i = 0; i < 100 && !(await runPostureCommand([], cli)).includes('found 1, 1 new'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await runPostureCommand([], cli)).toMatch(/stale-guests .* found 1, 1 new/);
      await expect(runPostureCommand(['run', 'nope'], cli)).rejects.toThrow('no posture routine "nope"');
      await temporal.client.workflow.getHandle(findingId).terminate('test finished');
    } finally {
      await ensurePostureSchedules(temporal.client, taskQueue, [], []);
    }
  });
});
