import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { SeededCase } from './seeded-cases';
import { workflowTypes } from '../../common/workflow-types';
import { testDataConverter } from './temporal';

export type { SeededCase } from './seeded-cases';

export interface Seeder {
  /** Starts the cases, waits for the closed ones to finish and for visibility to list them all. */
  seed(cases: SeededCase[]): Promise<WorkflowHandle[]>;
  /** Terminates the cases left open and stops the worker. */
  close(): Promise<void>;
}

/** Runs the seeded-case stand-in on its own task queue (`taskQueue`), so metrics can be scoped to exactly these cases. */
export async function startSeeder(client: Client, connection: NativeConnection, taskQueue: string): Promise<Seeder> {
  const worker = await Worker.create({
    connection,
    dataConverter: testDataConverter(),
    taskQueue,
    workflowsPath: require.resolve('./seeded-cases'),
  });
  const running = worker.run();
  const open: WorkflowHandle[] = [];
  let closed = 0;
  let stillOpen = 0;
  return {
    async seed(cases) {
      const handles = await Promise.all(
        cases.map((seed) =>
          client.workflow.start(workflowTypes.triage, {
            taskQueue,
            workflowId: `seeded-${randomUUID()}`,
            args: [seed],
          }),
        ),
      );
      await Promise.all(handles.filter((_, i) => cases[i]!.closedAfterMs !== undefined).map((h) => h.result()));
      open.push(...handles.filter((_, i) => cases[i]!.closedAfterMs === undefined));
      closed += cases.filter((c) => c.closedAfterMs !== undefined).length;
      stillOpen += cases.filter((c) => c.closedAfterMs === undefined).length;
      await waitForVisibility(client, `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Completed'`, closed);
      await waitForVisibility(
        client,
        `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND SocRuleId IS NOT NULL`,
        stillOpen,
      );
      return handles;
    },
    async close() {
      await Promise.all(open.map((h) => h.terminate('test finished').catch(() => undefined)));
      worker.shutdown();
      await running;
    },
  };
}

/** Visibility is eventually consistent: wait until `query` counts `expected` workflows (with search attributes set). */
export async function waitForVisibility(
  client: Client,
  query: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count } = await client.workflow.count(query);
    if (count === expected) return;
    if (Date.now() > deadline)
      throw new Error(`visibility lists ${count} workflows for ${query}, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
