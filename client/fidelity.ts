import { ScheduleAlreadyRunning, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  emptyLedger,
  FIDELITY_LEDGER_WORKFLOW_ID,
  FIDELITY_SCHEDULE_ID,
  levelOf,
  type PromotionLedgerView,
} from '../common/fidelity';
import type { RulePolicy } from '../common/policy';
import { policyWithPromotion, type RuleCatalog } from '../common/rules';
import { LEDGER_MEMO_KEY } from '../workflows/fidelity-messages';
import type { fidelityLedgerWorkflow, fidelityReviewWorkflow } from '../workflows/fidelity';

/**
 * The client side of the fidelity loop: the schedule, and reading the promotion levels the ledger holds. Levels are
 * read from the ledger workflow's memo with `describe()`, which needs no running worker; a missing ledger means "no
 * rule is promoted", which is the safe default.
 */

export async function readPromotionLedger(client: Client): Promise<PromotionLedgerView> {
  try {
    const description = await client.workflow.getHandle(FIDELITY_LEDGER_WORKFLOW_ID).describe();
    const ledger = description.memo?.[LEDGER_MEMO_KEY] as PromotionLedgerView | undefined;
    return ledger ?? emptyLedger();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return emptyLedger();
    throw err;
  }
}

export interface PolicyResolver {
  /** The policy a new alert of `ruleId` runs under: the catalog's, with any promotion the fidelity loop granted. */
  policyFor(ruleId: string): Promise<RulePolicy>;
}

/**
 * For the intake/start path. Reads the ledger at most once per `maxAgeMs`; when the ledger cannot be read it keeps the
 * last levels it saw (or none), so an unreachable ledger never grants a promotion it has not seen.
 */
export function createPolicyResolver(client: Client, catalog: RuleCatalog, options: { maxAgeMs?: number } = {}): PolicyResolver {
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  let cached: { ledger: PromotionLedgerView; readAt: number } | undefined;
  async function ledger(): Promise<PromotionLedgerView> {
    if (cached && Date.now() - cached.readAt < maxAgeMs) return cached.ledger;
    try {
      cached = { ledger: await readPromotionLedger(client), readAt: Date.now() };
    } catch {
      cached = { ledger: cached?.ledger ?? emptyLedger(), readAt: Date.now() };
    }
    return cached.ledger;
  }
  return {
    async policyFor(ruleId) {
      const rule = catalog.ruleFor(ruleId);
      return policyWithPromotion(rule, levelOf(await ledger(), ruleId));
    },
  };
}

export interface FidelityScheduleOptions {
  /** How often rules are reviewed, e.g. '1h' (default) or '15m'. */
  every?: string;
}

/** Starts the ledger (restoring the last run's levels if it had stopped), unless it is running. */
export async function ensureFidelityLedger(client: Client, taskQueue: string): Promise<void> {
  const handle = client.workflow.getHandle<typeof fidelityLedgerWorkflow>(FIDELITY_LEDGER_WORKFLOW_ID);
  try {
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') return;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await client.workflow.start<typeof fidelityLedgerWorkflow>('fidelityLedgerWorkflow', {
    workflowId: FIDELITY_LEDGER_WORKFLOW_ID,
    taskQueue,
    args: [await readPromotionLedger(client)],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: 'Rule promotions earned by the fidelity loop',
    staticDetails: 'Holds each rule\'s promotion level (none, shadow, auto-contain). Changed only by fidelity reviews.',
  });
}

/** Idempotent; call at start. Creates (or updates) the schedule that runs `fidelityReviewWorkflow`, and the ledger. */
export async function ensureFidelitySchedule(client: Client, taskQueue: string, options: FidelityScheduleOptions = {}) {
  await ensureFidelityLedger(client, taskQueue);
  const spec = { intervals: [{ every: options.every ?? '1h' }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'fidelityReviewWorkflow' as unknown as typeof fidelityReviewWorkflow,
    workflowId: 'soc-fidelity-review',
    taskQueue,
    args: [] as [],
    staticSummary: 'Rule fidelity review: recompute precision, promote and demote rules',
  };
  try {
    return await client.schedule.create({
      scheduleId: FIDELITY_SCHEDULE_ID,
      spec,
      action,
      policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
      memo: { purpose: 'Recomputes rule statistics from visibility and promotes or demotes rules' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(FIDELITY_SCHEDULE_ID);
    await handle.update((previous) => ({ ...previous, spec, action }));
    return handle;
  }
}
