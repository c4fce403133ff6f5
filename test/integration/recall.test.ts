import { randomUUID } from 'node:crypto';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { createFidelityActivities } from '../../activities/fidelity';
import { listExercises } from '../../client/cli-exercise';
import { exercisesClause, recordMissedDetection, startExercise } from '../../client/exercise';
import { runMetricsCommand } from '../../client/metrics';
import { submitAlert } from '../../client/triage-client';
import { exerciseWorkflowId } from '../../common/exercise';
import { exerciseStatusQuery } from '../../common/messages/exercise';
import { parsePolicy } from '../../common/policy';
import { proportion } from '../../common/recall';
import { staticCatalog } from '../../common/rules';
import { DispositionKey, RuleIdKey, TriageStateKey } from '../../common/search-attributes';
import { workflowTypes } from '../../common/workflow-types';
import { ANALYST, makeAlert } from '../harness/alerts';
import { waitForVisibility } from '../harness/seeding';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

const run = randomUUID().slice(0, 8);
const travel = `${run}-impossible-travel`;
const leaked = `${run}-leaked-credentials`;

let dev: DevServerHarness;
beforeAll(async () => {
  dev = await connectDevServer();
});
afterAll(async () => {
  await dev?.teardown();
});

/** An exercise that ended missed, as visibility records it (its window is not waited for here). */
async function endedMissedExercise(ruleId: string): Promise<void> {
  const handle = await dev.client.workflow.start(workflowTypes.detectionExercise, {
    workflowId: exerciseWorkflowId(ruleId, randomUUID()),
    taskQueue: uniqueTaskQueue('no-worker'),
    args: [{ ruleId, windowMs: 60_000, marker: 'x' }],
    typedSearchAttributes: [
      { key: RuleIdKey, value: ruleId },
      { key: TriageStateKey, value: 'closed' },
      { key: DispositionKey, value: 'missed' },
    ],
  });
  await handle.terminate('seeded as ended');
}

/** The exercise's window is open in its rule's registry: alerts from now on can match it. */
async function windowOpen(workflowId: string): Promise<void> {
  const handle = dev.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + 30_000;
  while ((await handle.query(exerciseStatusQuery).catch(() => undefined))?.state !== 'open') {
    if (Date.now() > deadline) throw new Error(`the window of ${workflowId} did not open`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('recall per rule and its Wilson interval come from exercises and missed detections in visibility', async () => {
  const taskQueue = uniqueTaskQueue('recall');
  const worker = await triageWorker(dev.nativeConnection, taskQueue, createInMemoryPorts(World.create(demoSeed())));
  await worker.runUntil(async () => {
    const { client } = dev;
    // One exercise of "travel" is detected by a real case of the product.
    const marker = `ART-${run}`;
    const exercise = await startExercise(client, taskQueue, { ruleId: travel, windowMs: 10 * 60_000, marker });
    await windowOpen(exercise.workflowId);
    const policy = parsePolicy({ mode: 'auto-contain', containmentActions: ['disable-account'] });
    const alert = makeAlert({ ruleId: travel, title: `Impossible travel ${marker}` });
    const triage = await submitAlert(client, { alert, policy, analysts: [ANALYST], taskQueue });
    await waitForVisibility(client, `WorkflowId = '${exercise.workflowId}' AND SocDisposition = 'detected'`, 1, 60_000);
    await waitForVisibility(client, `WorkflowId = '${triage.workflowId}' AND SocRoute = 'exercise'`, 1);

    // Two ended missed, for each rule; missed-detection records, one of them submitted twice.
    await Promise.all([travel, travel, leaked, leaked].map(endedMissedExercise));
    const incident = {
      rules: [travel, leaked],
      at: new Date().toISOString(),
      note: 'found by threat hunting',
      by: 'ana',
    };
    expect((await recordMissedDetection(client, taskQueue, incident)).outcome).toBe('recorded');
    expect((await recordMissedDetection(client, taskQueue, incident)).outcome).toBe('duplicate');
    const second = { ...incident, rules: [leaked], note: 'reported by the user' };
    expect((await recordMissedDetection(client, taskQueue, second)).outcome).toBe('recorded');
    await waitForVisibility(client, `WorkflowType = 'missedDetectionWorkflow' AND SocMissedBy = '${leaked}'`, 2);
    await waitForVisibility(client, `${exercisesClause} AND SocRuleId IN ('${travel}', '${leaked}')`, 5);

    let printed = '';
    const report = await runMetricsCommand(['--rule', travel, '--rule', leaked, '--since', '1h', '--json'], client, {
      out: (text) => void (printed += text),
    });
    expect(JSON.parse(printed).rules).toHaveLength(2);
    const byRule = Object.fromEntries(report.rules.map((m) => [m.ruleId, m]));

    // travel: 1 detected; 2 missed exercises + 1 missed detection = 3 misses → 1/4.
    expect(byRule[travel]!.recall?.counts).toEqual({ detected: 1, exercisesMissed: 2, missedDetections: 1 });
    expect(byRule[travel]!.recall?.recall).toEqual(proportion(1, 4));
    expect(byRule[travel]!.recall?.recall.lower).toBeCloseTo(0.0456, 4);
    expect(byRule[travel]!.recall?.recall.upper).toBeCloseTo(0.6994, 4);
    expect(byRule[travel]!.recall?.flagged).toBe(false);
    // The exercise's alert is not counted towards precision.
    expect([byRule[travel]!.alerts, byRule[travel]!.truePositives, byRule[travel]!.precision]).toEqual([0, 0, null]);

    // leaked: never detected, 2 missed exercises + 2 missed detections → 0/4, upper bound 0.490: flagged.
    expect(byRule[leaked]!.recall?.counts).toEqual({ detected: 0, exercisesMissed: 2, missedDetections: 2 });
    expect(byRule[leaked]!.recall?.recall.upper).toBeCloseTo(0.4899, 4);
    expect(byRule[leaked]!.recall?.flagged).toBe(true);

    // The fidelity loop reads the same record: recall beside precision, exercise cases left out of precision.
    const catalog = staticCatalog({ [travel]: { mode: 'auto-contain' }, [leaked]: { mode: 'analyst' } });
    const { rules } = await createFidelityActivities({ client, catalog, taskQueue }).readRuleRecords();
    const fidelity = Object.fromEntries(rules.map((r) => [r.ruleId, r]));
    expect(fidelity[travel]!.recall).toEqual({ detected: 1, exercisesMissed: 2, missedDetections: 1 });
    expect(fidelity[travel]!.record.truePositives).toBe(0);
    expect(fidelity[leaked]!.recall).toEqual({ detected: 0, exercisesMissed: 2, missedDetections: 2 });

    // `soc exercise list`: newest first, each with its outcome.
    const listed = (await listExercises(client, { rule: travel, limit: 10 })).split('\n');
    expect(listed[0]).toMatch(/^started\s+rule\s+outcome\s+ended\s+workflow id$/);
    expect(listed.filter((line) => /\smissed\s/.test(line))).toHaveLength(2);
    expect(listed.find((line) => line.endsWith(exercise.workflowId))).toMatch(/\sdetected\s/);

    await client.workflow.getHandle(exercise.workflowId).terminate('test finished');
  });
});
