import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { log } from '@temporalio/activity';
import {
  emptyLedger,
  FIDELITY_LEDGER_WORKFLOW_ID,
  type PromotionLedgerView,
  type PromotionSettings,
  type RuleRecord,
} from '../common/fidelity';
import { EXERCISE_ROUTE, exerciseOutcomes } from '../common/exercise';
import type { RuleMode } from '../common/policy';
import type { RecallCounts } from '../common/recall';
import type { RuleCatalog } from '../common/rules';
import { triageCasesClause, visibilityString } from '../common/visibility';
import { workflowTypes } from '../common/workflow-types';
import { LEDGER_MEMO_KEY, recordFidelityReviewSignal, type FidelityReviewRecord } from '../common/messages/fidelity';

/** What the review workflow needs to decide about one catalog rule. */
export interface RuleRecordInput {
  ruleId: string;
  catalogMode: RuleMode;
  allowAutoContain: boolean;
  settings: PromotionSettings;
  record: RuleRecord;
  /** Exercises and missed detections of the rule over the same look-back window. */
  recall: RecallCounts;
}

export interface FidelityActivityOptions {
  client: Client;
  catalog: RuleCatalog;
  /** The task queue the ledger runs on when a review has to (re)start it. */
  taskQueue: string;
  /** Default `soc-fidelity-ledger`; the same id must be given to `ensureFidelitySchedule` and `createPolicyResolver`. */
  ledgerWorkflowId?: string;
}

/**
 * The promotion levels the ledger holds, read from its memo with `describe()`, which needs no running worker; a
 * missing ledger means "no rule is promoted", the safe default.
 */
export async function readPromotionLedger(
  client: Client,
  ledgerWorkflowId = FIDELITY_LEDGER_WORKFLOW_ID,
): Promise<PromotionLedgerView> {
  try {
    const description = await client.workflow.getHandle(ledgerWorkflowId).describe();
    const ledger = description.memo?.[LEDGER_MEMO_KEY] as PromotionLedgerView | undefined;
    return ledger ?? emptyLedger();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return emptyLedger();
    throw err;
  }
}

const DETERMINED = "('true-positive', 'false-positive', 'benign-positive')";

/** Counts closed triage cases of one rule received since `since` (visibility only: no extra database). */
async function countRecord(client: Client, ruleId: string, since: Date): Promise<RuleRecord> {
  const base =
    `${triageCasesClause} AND SocRuleId = ${visibilityString(ruleId)} AND SocTriageState = 'closed' ` +
    `AND StartTime >= ${visibilityString(since.toISOString())}`;
  const count = async (clause: string) => (await client.workflow.count(`${base} AND ${clause}`)).count;
  const [allTruePositives, exerciseTruePositives, falsePositives, benignPositives, shadowDispositions] =
    await Promise.all([
      count("SocDisposition = 'true-positive'"),
      // An exercise's alert was emulated: it proves nothing about precision.
      count(`SocDisposition = 'true-positive' AND SocRoute = ${visibilityString(EXERCISE_ROUTE)}`),
      count("SocDisposition = 'false-positive'"),
      count("SocDisposition = 'benign-positive'"),
      count(`SocWouldContain = true AND SocDisposition IN ${DETERMINED}`),
    ]);
  return {
    truePositives: allTruePositives - exerciseTruePositives,
    falsePositives,
    benignPositives,
    shadowDispositions,
  };
}

/** Ended exercises of one rule and missed-detection records naming it, started since `since`. */
async function countRecall(client: Client, ruleId: string, since: Date): Promise<RecallCounts> {
  const after = `StartTime >= ${visibilityString(since.toISOString())}`;
  const exercises = `WorkflowType = ${visibilityString(workflowTypes.detectionExercise)} AND SocRuleId = ${visibilityString(ruleId)} AND ${after}`;
  const count = async (query: string) => (await client.workflow.count(query)).count;
  const [detected, exercisesMissed, missedDetections] = await Promise.all([
    count(`${exercises} AND SocDisposition = ${visibilityString(exerciseOutcomes.detected)}`),
    count(`${exercises} AND SocDisposition = ${visibilityString(exerciseOutcomes.missed)}`),
    count(
      `WorkflowType = ${visibilityString(workflowTypes.missedDetection)} AND SocMissedBy = ${visibilityString(ruleId)} AND ${after}`,
    ),
  ]);
  return { detected, exercisesMissed, missedDetections };
}

export function createFidelityActivities(options: FidelityActivityOptions) {
  const { client, taskQueue } = options;
  const ledgerWorkflowId = options.ledgerWorkflowId ?? FIDELITY_LEDGER_WORKFLOW_ID;
  return {
    /** Each catalog rule's record over its look-back window, and the ledger's current levels. */
    async readRuleRecords(): Promise<{ rules: RuleRecordInput[]; ledger: PromotionLedgerView }> {
      const now = Date.now();
      const rules = await Promise.all(
        options.catalog.rules.map(async (rule): Promise<RuleRecordInput> => ({
          ruleId: rule.id,
          catalogMode: rule.policy.mode,
          allowAutoContain: rule.allowAutoContain,
          settings: rule.promotion,
          record: await countRecord(client, rule.id, new Date(now - rule.promotion.lookbackMs)),
          recall: await countRecall(client, rule.id, new Date(now - rule.promotion.lookbackMs)),
        })),
      );
      return { rules, ledger: await readPromotionLedger(client, ledgerWorkflowId) };
    },

    /** Hands the review to the ledger, starting the ledger if it is not running (a review never loses its changes). */
    async recordFidelityReview(review: FidelityReviewRecord): Promise<void> {
      const previous = await readPromotionLedger(client, ledgerWorkflowId);
      await client.workflow.signalWithStart<(ledger: PromotionLedgerView) => Promise<void>, [FidelityReviewRecord]>(
        workflowTypes.fidelityLedger,
        {
          workflowId: ledgerWorkflowId,
          taskQueue,
          args: [previous],
          signal: recordFidelityReviewSignal,
          signalArgs: [review],
          staticSummary: 'Rule promotions earned by the fidelity loop',
        },
      );
      for (const t of review.transitions) log.info(`fidelity: ${t.ruleId} ${t.from} -> ${t.to}`, { reason: t.reason });
    },
  };
}

export type FidelityActivities = ReturnType<typeof createFidelityActivities>;
