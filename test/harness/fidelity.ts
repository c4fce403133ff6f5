import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createFidelityActivities } from '../../activities/fidelity';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { readPromotionLedger } from '../../activities/fidelity';
import type { PromotionLedgerView } from '../../common/fidelity';
import type { RuleCatalog } from '../../common/rules';
import type { FidelityReviewResult } from '../../workflows/fidelity/workflow';
import { testDataConverter, workflowBundle } from './temporal';

/** A product worker (triage + fidelity) on its own task queue, with its own ledger so tests never share promotions. */
export async function fidelityWorker(options: {
  client: Client;
  connection: NativeConnection;
  taskQueue: string;
  catalog: RuleCatalog;
  ledgerWorkflowId: string;
}) {
  const world = World.create(demoSeed());
  const worker = await Worker.create({
    connection: options.connection,
    dataConverter: testDataConverter(),
    taskQueue: options.taskQueue,
    workflowBundle: workflowBundle(),
    activities: {
      ...createActivities(createInMemoryPorts(world)),
      ...createFidelityActivities({
        client: options.client,
        catalog: options.catalog,
        taskQueue: options.taskQueue,
        ledgerWorkflowId: options.ledgerWorkflowId,
      }),
    },
  });
  return { worker, world };
}

/** Waits until the ledger has recorded the review that finished at `reviewedAt` (signals are handled asynchronously). */
export async function ledgerAfter(
  client: Client,
  ledgerWorkflowId: string,
  reviewedAt: string,
  timeoutMs = 30_000,
): Promise<PromotionLedgerView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ledger = await readPromotionLedger(client, ledgerWorkflowId);
    if (ledger.reviewedAt === reviewedAt) return ledger;
    if (Date.now() > deadline)
      throw new Error(`the ledger did not record the review of ${reviewedAt}; it shows ${JSON.stringify(ledger)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The Markdown a workflow shows as its current details in the Web UI. */
export async function currentDetails(client: Client, workflowId: string): Promise<string> {
  const metadata = await client.workflow
    .getHandle(workflowId)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

export type { FidelityReviewResult };
