import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { ensureFidelityLedger } from '../../client/fidelity';
import { submitAlert } from '../../client/triage-client';
import { promotionLedgerQuery, recordFidelityReviewSignal } from '../../common/messages/fidelity';
import { answerQuestionUpdate } from '../../common/messages/triage';
import { parsePolicy } from '../../common/policy';
import type { CaseState } from '../../common/triage';
import { createTriageWorker } from '../../workers/worker';
import { buildWorkflowBundle } from '../../scripts/build-bundle';
import { ANALYST, JDOE, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { buildsThatRan, drainageOf, runsOn, setCurrentVersion, until } from '../harness/deployments';
import {
  connectDevServer,
  terminateRunning,
  testDataConverter,
  uniqueTaskQueue,
  type DevServerHarness,
} from '../harness/temporal';

/**
 * A rolling deploy with Worker Deployment Versioning on the dev server (Temporal 1.29.1): build v1 runs, v2 comes up
 * and is made current. A case v1 started stays on v1 until it closes; new cases run on v2; the fidelity ledger moves
 * to v2 at its next task. (Unversioned workers are every other test of the suite.)
 */

let dev: DevServerHarness;
let dir: string;
let codePath: string;
beforeAll(async () => {
  dev = await connectDevServer();
  dir = mkdtempSync(join(tmpdir(), 'soc-versioned-bundle-'));
  codePath = join(dir, 'workflow-bundle-versioned.js');
  await buildWorkflowBundle(codePath, { versioned: true });
});
afterAll(async () => {
  await dev?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

test('a new build rolls out: the open case finishes on v1, new cases start on v2, the ledger moves to v2', async () => {
  const taskQueue = uniqueTaskQueue('versioning');
  const deploymentName = `soc-${taskQueue.slice(-8)}`;
  const ledgerId = `ledger-${taskQueue}`;
  const world = World.create(demoSeed());
  const startBuild = async (buildId: string) => {
    const worker = await createTriageWorker({
      dataConverter: testDataConverter(),
      connection: dev.nativeConnection,
      namespace: dev.namespace,
      taskQueue,
      identity: `worker-${buildId}`,
      ports: createInMemoryPorts(world),
      workflowBundle: { codePath },
      deployment: { deploymentName, buildId },
    });
    return { worker, running: worker.run() };
  };
  const ask = async () => {
    const { workflowId } = await submitAlert(dev.client, {
      alert: makeAlert(),
      policy: parsePolicy({ mode: 'confirm-with-user', confirmationTimeoutMs: 30 * 60_000, stepUp: false }),
      analysts: [ANALYST],
      taskQueue,
    });
    const handle = dev.client.workflow.getHandle(workflowId);
    await waitForCase(handle, (s) => s.triageState === 'awaiting-user' && Boolean(s.question?.messageRef), 'question');
    return handle;
  };
  const workers: { worker: Worker; running: Promise<void> }[] = [];
  try {
    workers.push(await startBuild('v1'));
    await setCurrentVersion(dev.client, deploymentName, 'v1');
    const oldCase = await ask();
    await ensureFidelityLedger(dev.client, taskQueue, ledgerId);
    const ledger = dev.client.workflow.getHandle(ledgerId);
    expect(await runsOn(oldCase)).toEqual({ behavior: 'PINNED', buildId: 'v1' });
    await until('the ledger on v1', async () => ((await runsOn(ledger)).buildId === 'v1' ? true : undefined));
    expect(await runsOn(ledger)).toEqual({ behavior: 'AUTO_UPGRADE', buildId: 'v1' });

    workers.push(await startBuild('v2'));
    await setCurrentVersion(dev.client, deploymentName, 'v2');
    // v1 is no longer current but still has an open pinned case: it must keep running until it has drained.
    await until('v1 to be draining', async () =>
      (await drainageOf(dev.client, deploymentName, 'v1')) === 'DRAINING' ? true : undefined,
    );

    const reviewedAt = new Date().toISOString();
    await ledger.signal(recordFidelityReviewSignal, { reviewId: randomUUID(), reviewedAt, transitions: [] });
    await until('the ledger to move to v2', async () => ((await runsOn(ledger)).buildId === 'v2' ? true : undefined));
    expect(await runsOn(ledger)).toEqual({ behavior: 'AUTO_UPGRADE', buildId: 'v2' });
    expect((await ledger.query(promotionLedgerQuery)).reviewedAt).toBe(reviewedAt);

    const newCase = await ask();
    expect(await runsOn(newCase)).toEqual({ behavior: 'PINNED', buildId: 'v2' });
    expect(await buildsThatRan(newCase)).not.toContain('v1');

    await oldCase.executeUpdate(answerQuestionUpdate, { args: [{ userId: JDOE.id, answer: 'it-was-me' }] });
    expect((await oldCase.result()) as CaseState).toMatchObject({
      triageState: 'closed',
      disposition: 'benign-positive',
    });
    expect(await runsOn(oldCase)).toEqual({ behavior: 'PINNED', buildId: 'v1' });
    expect(new Set(await buildsThatRan(oldCase))).toEqual(new Set(['v1']));
  } finally {
    await terminateRunning(dev.client, taskQueue);
    for (const { worker } of workers) worker.shutdown();
    await Promise.all(workers.map((w) => w.running));
  }
});
