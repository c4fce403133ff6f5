import { ScheduleAlreadyRunning, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { emptyLedger, FIDELITY_LEDGER_WORKFLOW_ID, FIDELITY_SCHEDULE_ID, levelOf } from '../common/fidelity';
import { parseDuration } from '../common/duration';
import { policyWithPromotion, type RuleCatalog } from '../common/rules';
import { readPromotionLedger } from '../activities/fidelity';
import type { fidelityLedgerWorkflow, fidelityReviewWorkflow } from '../workflows/fidelity/workflow';
import { workflowTypes } from '../common/workflow-types';

/**
 * The client side of the fidelity loop: the schedule, and the catalog as new alerts see it (the promotion levels the
 * ledger holds, read with `readPromotionLedger`).
 */

/** The catalog as new alerts see it: each rule's policy with the promotion the fidelity loop has granted. */
export interface PromotionAwareCatalog extends RuleCatalog {
  /** Re-reads the ledger now (also done every `refreshMs` in the background). */
  refresh(): Promise<void>;
  /** Stops the background refresh. */
  stop(): void;
}

/**
 * For the intake/start path: a drop-in `RuleCatalog` whose synchronous `policyFor` applies the promotion levels last
 * read from the ledger. When the ledger cannot be read it keeps the levels it last saw (none at first), so an
 * unreachable ledger never grants a promotion it has not seen.
 */
export async function createPromotionAwareCatalog(
  client: Client,
  catalog: RuleCatalog,
  options: { refreshMs?: number; ledgerWorkflowId?: string; log?: (line: string) => void } = {},
): Promise<PromotionAwareCatalog> {
  let ledger = emptyLedger();
  async function refresh(): Promise<void> {
    try {
      ledger = await readPromotionLedger(client, options.ledgerWorkflowId);
    } catch (err) {
      options.log?.(`could not read rule promotions, keeping the last ones: ${(err as Error).message}`);
    }
  }
  await refresh();
  const refreshMs = options.refreshMs ?? 30_000;
  const timer = refreshMs > 0 ? setInterval(() => void refresh(), refreshMs) : undefined;
  timer?.unref();
  return {
    rules: catalog.rules,
    ruleFor: (ruleId) => catalog.ruleFor(ruleId),
    policyFor: (ruleId) => policyWithPromotion(catalog.ruleFor(ruleId), levelOf(ledger, ruleId)),
    refresh,
    stop: () => clearInterval(timer),
  };
}

export interface FidelityScheduleOptions {
  /** How often rules are reviewed, e.g. '1h' (default) or '15m'. */
  every?: string;
  /** Defaults to `soc-fidelity-review`; the review runs get this id plus the time they were started. */
  scheduleId?: string;
  /** Must match the fidelity activities' `ledgerWorkflowId` (default `soc-fidelity-ledger`). */
  ledgerWorkflowId?: string;
}

/** Starts the ledger (restoring the last run's levels if it had stopped), unless it is running. */
export async function ensureFidelityLedger(
  client: Client,
  taskQueue: string,
  ledgerWorkflowId = FIDELITY_LEDGER_WORKFLOW_ID,
): Promise<void> {
  const handle = client.workflow.getHandle<typeof fidelityLedgerWorkflow>(ledgerWorkflowId);
  try {
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') return;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await client.workflow.start<typeof fidelityLedgerWorkflow>(workflowTypes.fidelityLedger, {
    workflowId: ledgerWorkflowId,
    taskQueue,
    args: [await readPromotionLedger(client, ledgerWorkflowId)],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: 'Rule promotions earned by the fidelity loop',
    staticDetails: "Holds each rule's promotion level (none, shadow, auto-contain). Changed only by fidelity reviews.",
  });
}

/** Idempotent; call at start. Creates (or updates) the schedule that runs `fidelityReviewWorkflow`, and the ledger. */
export async function ensureFidelitySchedule(client: Client, taskQueue: string, options: FidelityScheduleOptions = {}) {
  const scheduleId = options.scheduleId ?? FIDELITY_SCHEDULE_ID;
  await ensureFidelityLedger(client, taskQueue, options.ledgerWorkflowId);
  const every = parseDuration(options.every ?? '1h');
  if (!every || every < 60_000)
    throw new Error(`the fidelity review interval must be a duration of at least 1m, like 1h, not "${options.every}"`);
  const spec = { intervals: [{ every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: workflowTypes.fidelityReview as unknown as typeof fidelityReviewWorkflow,
    workflowId: scheduleId,
    taskQueue,
    args: [] as [],
    staticSummary: 'Rule fidelity review: recompute precision, promote and demote rules',
  };
  try {
    return await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
      memo: { purpose: 'Recomputes rule statistics from visibility and promotes or demotes rules' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(scheduleId);
    await handle.update((previous) => ({ ...previous, spec, action }));
    return handle;
  }
}
