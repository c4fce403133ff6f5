import * as wf from '@temporalio/workflow';
import type { FidelityActivities, RuleRecordInput } from '../../activities/fidelity';
import {
  decidePromotion,
  emptyLedger,
  isPromotion,
  levelOf,
  promotionLevels,
  type PromotionDecision,
  type PromotionLedgerView,
  type PromotionLevel,
  type PromotionTransition,
} from '../../common/fidelity';
import { exerciseMetricNames } from '../../common/metric-names';
import { recallFlagged, recallFlagReason, recallOf } from '../../common/recall';
import {
  LEDGER_MEMO_KEY,
  promotionLedgerQuery,
  recordFidelityReviewSignal,
  type FidelityReviewRecord,
  type RecallFlag,
} from '../../common/messages/fidelity';

/**
 * The fidelity loop. A Temporal Schedule starts `fidelityReviewWorkflow`, which reads each catalog rule's record from
 * visibility, decides promotions and demotions, and records them in `fidelityLedgerWorkflow` — one long-running
 * workflow whose state (carried through continue-as-new, mirrored to its memo) is where promotion levels live.
 */

const { readRuleRecords, recordFidelityReview } = wf.proxyActivities<FidelityActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

const MAX_RECENT_TRANSITIONS = 50;
const LEDGER_SIGNALS_PER_RUN = 500;

export interface RuleReview extends RuleRecordInput {
  current: PromotionLevel;
  decision: PromotionDecision;
}

export interface FidelityReviewResult {
  reviewId: string;
  reviewedAt: string;
  rules: RuleReview[];
  transitions: PromotionTransition[];
  /** Rules whose exercises keep missing: for detection engineering. Promotion stays gated on precision alone. */
  recallFlags: RecallFlag[];
}

const verb = (t: PromotionTransition) => (isPromotion(t) ? 'Promoted' : 'Demoted');

export function describeTransition(t: PromotionTransition): string {
  return `**${verb(t)}** \`${t.ruleId}\`: ${t.from} → ${t.to} — ${t.reason}`;
}

function renderReview(result: FidelityReviewResult): string {
  const lines = [
    `### Rule fidelity review · ${result.reviewedAt}`,
    result.transitions.length
      ? result.transitions.map((t) => `- ${describeTransition(t)}`).join('\n')
      : '_No promotion or demotion._',
    '| rule | TP | FP | BP | shadow | Wilson lower bound | threshold | level | recall (detected / missed) | recall 95% CI |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...result.rules.map(
      (r) =>
        `| \`${r.ruleId}\` | ${r.record.truePositives} | ${r.record.falsePositives} | ${r.record.benignPositives} | ${r.record.shadowDispositions} | ` +
        `${r.decision.bound.toFixed(3)} | ${r.settings.threshold} | ${r.current === r.decision.level ? r.current : `${r.current} → **${r.decision.level}**`} | ` +
        `${recallCell(r)} |`,
    ),
    ...(result.recallFlags.length
      ? [
          '**Keeps missing — for detection engineering:**',
          ...result.recallFlags.map((f) => `- \`${f.ruleId}\`: ${f.reason}`),
        ]
      : []),
  ];
  return lines.join('\n');
}

function recallCell(r: RuleReview): string {
  const counts = r.recall;
  if (!counts) return '– | –';
  const recall = recallOf(counts);
  const missed = counts.exercisesMissed + counts.missedDetections;
  return recall.value === null
    ? `${counts.detected} / ${missed} | –`
    : `${counts.detected} / ${missed} | ${recall.lower.toFixed(2)}–${recall.upper.toFixed(2)}`;
}

/** One review: run by the schedule (overlap: skip), or started by hand. */
export async function fidelityReviewWorkflow(): Promise<FidelityReviewResult> {
  const reviewId = wf.workflowInfo().workflowId;
  wf.setCurrentDetails("Reading each rule's record from visibility…");
  const { rules, ledger } = await readRuleRecords.executeWithOptions(
    { summary: 'Read rule records from visibility and the ledger' },
    [],
  );
  const reviewedAt = new Date().toISOString();
  const reviews = rules.map((rule): RuleReview => {
    const current = levelOf(ledger, rule.ruleId);
    return { ...rule, current, decision: decidePromotion({ ...rule, current }) };
  });
  const transitions = reviews
    .filter((r) => r.decision.level !== r.current)
    .map((r): PromotionTransition => ({
      ruleId: r.ruleId,
      from: r.current,
      to: r.decision.level,
      at: reviewedAt,
      reason: r.decision.reason,
      bound: r.decision.bound,
      dispositions: r.decision.dispositions,
      reviewId,
    }));
  const recallFlags = reviews
    .filter((r) => r.recall && recallFlagged(r.recall))
    .map((r): RecallFlag => ({ ruleId: r.ruleId, reason: recallFlagReason(r.recall) }));
  const result: FidelityReviewResult = { reviewId, reviewedAt, rules: reviews, transitions, recallFlags };

  await recordFidelityReview.executeWithOptions(
    {
      summary: transitions.length
        ? `Record ${transitions.length} promotion change(s) in the ledger`
        : 'Record the review in the ledger',
    },
    [{ reviewId, reviewedAt, transitions, recallFlags }],
  );
  for (const flag of recallFlags) wf.log.warn(`rule keeps missing: ${flag.ruleId}`, { ...flag });
  for (const t of transitions) {
    wf.log.info(`rule ${isPromotion(t) ? 'promoted' : 'demoted'}: ${t.ruleId} ${t.from} -> ${t.to}`, { ...t });
    wf.metricMeter
      .createCounter('soc_rule_promotions_total', 'changes', 'Promotions and demotions decided by the fidelity loop')
      .add(1, { rule_id: t.ruleId, from: t.from, to: t.to, direction: isPromotion(t) ? 'promotion' : 'demotion' });
  }
  for (const r of reviews) {
    wf.metricMeter
      .createGauge(
        'soc_rule_promotion_level',
        'int',
        'level',
        'Promotion level per rule: 0 none, 1 shadow, 2 auto-contain',
      )
      .set(promotionLevels.indexOf(r.decision.level), { rule_id: r.ruleId });
    if (!r.recall) continue;
    const recall = recallOf(r.recall);
    if (recall.value !== null) {
      wf.metricMeter
        .createGauge(exerciseMetricNames.recall, 'float', 'ratio', 'Recall per rule: detected / (detected + missed)')
        .set(recall.value, { rule_id: r.ruleId });
      wf.metricMeter
        .createGauge(exerciseMetricNames.recallUpperBound, 'float', 'ratio', 'Wilson 95% upper bound of recall')
        .set(recall.upper, { rule_id: r.ruleId });
    }
    wf.metricMeter
      .createGauge(exerciseMetricNames.recallFlagged, 'int', 'flag', '1 when the rule keeps missing its exercises')
      .set(recallFlagged(r.recall) ? 1 : 0, { rule_id: r.ruleId });
  }
  wf.setCurrentDetails(renderReview(result));
  return result;
}

function renderLedger(ledger: PromotionLedgerView): string {
  const promoted = Object.entries(ledger.promotions).filter(([, p]) => p.level !== 'none');
  return [
    '### Rule promotions',
    ledger.reviewedAt ? `Last review: ${ledger.reviewedAt}` : 'No review yet.',
    promoted.length
      ? [
          '| rule | level | since |',
          '|---|---|---|',
          ...promoted.map(([id, p]) => `| \`${id}\` | **${p.level}** | ${p.since} |`),
        ].join('\n')
      : '_No rule is promoted: every rule runs in its catalog mode._',
    ...(Object.keys(ledger.recallFlags ?? {}).length
      ? [
          '### Rules that keep missing (detection engineering)',
          Object.entries(ledger.recallFlags!)
            .map(([id, f]) => `- \`${id}\` since ${f.since}: ${f.reason}`)
            .join('\n'),
        ]
      : []),
    '### Recent changes',
    ledger.recentTransitions.length
      ? ledger.recentTransitions
          .slice(-10)
          .reverse()
          .map((t) => `- ${t.at} ${describeTransition(t)}`)
          .join('\n')
      : '_None yet._',
  ].join('\n\n');
}

/** The flags of the latest review; a rule flagged before keeps the time it was first flagged. */
function recallFlagsAfter(
  ledger: PromotionLedgerView,
  review: FidelityReviewRecord,
): PromotionLedgerView['recallFlags'] {
  const flags: NonNullable<PromotionLedgerView['recallFlags']> = {};
  for (const flag of review.recallFlags ?? []) {
    const since = ledger.recallFlags?.[flag.ruleId]?.since;
    if (!since) wf.log.warn(`rule flagged for detection engineering: ${flag.ruleId}`, { reason: flag.reason });
    flags[flag.ruleId] = { since: since ?? review.reviewedAt, reason: flag.reason };
  }
  return flags;
}

/** Holds each rule's promotion level. Started once (see `ensureFidelitySchedule`); runs for ever via continue-as-new. */
export async function fidelityLedgerWorkflow(carried?: PromotionLedgerView): Promise<void> {
  const ledger = carried ?? emptyLedger();
  let signals = 0;

  function publish(): void {
    wf.upsertMemo({ [LEDGER_MEMO_KEY]: ledger });
    wf.setCurrentDetails(renderLedger(ledger));
  }

  wf.setHandler(promotionLedgerQuery, () => ledger);
  wf.setHandler(recordFidelityReviewSignal, (review: FidelityReviewRecord) => {
    signals += 1;
    for (const t of review.transitions) {
      // Compare-and-set: a stale review (one that read an older ledger) changes nothing.
      if (levelOf(ledger, t.ruleId) !== t.from) {
        wf.log.warn('ignored a stale promotion change', {
          ruleId: t.ruleId,
          from: t.from,
          to: t.to,
          reviewId: t.reviewId,
        });
        continue;
      }
      if (t.to === 'none') delete ledger.promotions[t.ruleId];
      else ledger.promotions[t.ruleId] = { level: t.to, since: t.at };
      ledger.recentTransitions.push(t);
      wf.log.info(`rule ${isPromotion(t) ? 'promoted' : 'demoted'}: ${t.ruleId} ${t.from} -> ${t.to}`, {
        reason: t.reason,
        reviewId: t.reviewId,
      });
    }
    ledger.recentTransitions = ledger.recentTransitions.slice(-MAX_RECENT_TRANSITIONS);
    ledger.reviewedAt = review.reviewedAt;
    if (review.recallFlags) ledger.recallFlags = recallFlagsAfter(ledger, review);
    publish();
  });

  publish();
  await wf.condition(() => wf.workflowInfo().continueAsNewSuggested || signals >= LEDGER_SIGNALS_PER_RUN);
  await wf.condition(wf.allHandlersFinished);
  await wf.continueAsNew<typeof fidelityLedgerWorkflow>(ledger);
}
