import type { Client, WorkflowHandle } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { postureSeed } from '../../activities/in-memory/posture-seed';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import type { Messenger, PostureCaseIntake } from '../../activities/ports';
import { createPostureActivities } from '../../activities/posture';
import { findingStateQuery } from '../../common/messages/posture';
import { parsePostureCatalog } from '../../common/posture-catalog';
import type { FindingCase, PostureRoutine, PostureRunResult } from '../../common/posture';
import { workflowTypes } from '../../common/workflow-types';
import { createTriageWorker } from '../../workers/worker';
import { testDataConverter, workflowBundle } from './temporal';

/** Posture routines against the in-memory tenant: one catalog routine, a world with the posture seed, a worker. */

export const ANALYST = 'aaaaaaaa-0000-4000-8000-000000000001';

export function routine(yaml: string): PostureRoutine {
  return parsePostureCatalog(`routines:\n  r:\n${yaml.replace(/^/gm, '    ')}`, 'test.yaml')[0]!;
}

export function postureWorld(): World {
  const seed = demoSeed();
  return World.create({ ...seed, users: [...seed.users, ...postureSeed()] });
}

export function postureWorker(options: {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  world: World;
  intake?: PostureCaseIntake;
  /** Another messenger than the world's (the Teams loop's). */
  messenger?: Messenger;
  wrap?: (activities: ReturnType<typeof createPostureActivities>) => object;
}): Promise<Worker> {
  const ports = {
    ...createInMemoryPorts(options.world),
    ...(options.messenger ? { messenger: options.messenger } : {}),
  };
  const activities = createPostureActivities({
    directory: ports.posture!,
    containment: ports.containment,
    ...(options.intake ? { intake: options.intake } : {}),
  });
  return createTriageWorker({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    ports,
    workflowBundle: workflowBundle(),
    dataConverter: testDataConverter(),
    extraActivities: options.wrap ? options.wrap(activities) : activities,
  });
}

export function runRoutine(
  client: Client,
  taskQueue: string,
  r: PostureRoutine,
  id: string,
): Promise<PostureRunResult> {
  return client.workflow.execute(workflowTypes.postureRun, {
    workflowId: id,
    taskQueue,
    args: [{ routine: r, analysts: [ANALYST] }],
  });
}

/** Polls the finding's query until `predicate` holds. */
export async function waitForFinding(
  handle: WorkflowHandle,
  predicate: (state: FindingCase) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<FindingCase> {
  const deadline = Date.now() + timeoutMs;
  let last: FindingCase | undefined;
  for (;;) {
    try {
      last = await handle.query(findingStateQuery);
      if (predicate(last)) {
        await settled(handle);
        return last;
      }
    } catch (err) {
      if (!/not found|no poller|did not register a handler|query/i.test(String(err))) throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until no activity is in flight, so a time-skipping server is free to skip time. */
async function settled(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING' || !d.raw.pendingActivities?.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
