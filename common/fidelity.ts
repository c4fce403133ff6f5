import type { RuleMode } from './policy';

/**
 * The fidelity loop's arithmetic and decisions. Pure and deterministic: used by the review workflow, the CLI and the
 * tests alike (safe in workflow code).
 */

/** `none`: the catalog's mode. `shadow`: the catalog's mode, plus a "would have contained" record. `auto-contain`: real. */
export const promotionLevels = ['none', 'shadow', 'auto-contain'] as const;
export type PromotionLevel = (typeof promotionLevels)[number];

export interface PromotionSettings {
  /** Lower bound of the Wilson 95% interval the containment precision must reach. */
  threshold: number;
  /** Closed, dispositioned cases needed before any promotion. */
  minDispositions: number;
  /** Closed, dispositioned cases recorded in shadow mode ("would have contained") before real auto-containment. */
  minShadowDispositions: number;
  /** Only cases received within this window count, so a rule's record reflects its recent behaviour. */
  lookbackMs: number;
}

export const defaultPromotionSettings: PromotionSettings = {
  threshold: 0.95,
  minDispositions: 20,
  minShadowDispositions: 10,
  lookbackMs: 30 * 86_400_000,
};

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

/** Lower bound of the Wilson score interval for `successes` out of `trials` (0 when there are no trials). */
export function wilsonLowerBound(successes: number, trials: number, z = Z_95): number {
  if (trials <= 0) return 0;
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.max(0, (centre - margin) / (1 + z2 / trials));
}

/**
 * A rule's record over its look-back window, counted from closed cases only: an open case (for example one contained
 * automatically and not yet reviewed) has not been confirmed by anyone.
 */
export interface RuleRecord {
  truePositives: number;
  falsePositives: number;
  benignPositives: number;
  /** Closed, dispositioned cases that shadow mode recorded as "would have contained". */
  shadowDispositions: number;
}

/** Every determined disposition: a benign positive (the real user did it) would have been a wrong containment too. */
export function dispositionsOf(record: RuleRecord): number {
  return record.truePositives + record.falsePositives + record.benignPositives;
}

export interface PromotionInput {
  current: PromotionLevel;
  catalogMode: RuleMode;
  allowAutoContain: boolean;
  settings: PromotionSettings;
  record: RuleRecord;
}

export interface PromotionDecision {
  level: PromotionLevel;
  /** Wilson lower bound of true positives over all dispositions. */
  bound: number;
  dispositions: number;
  reason: string;
}

const fmt = (n: number) => n.toFixed(3);

/**
 * Promotes a rule whose bound reaches the threshold over enough dispositions: first to shadow mode, then (at a later
 * review, after enough shadow dispositions, and only where the catalog allows it) to real auto-containment. Demotes to
 * the catalog's mode as soon as the bound falls below the threshold.
 */
export function decidePromotion(input: PromotionInput): PromotionDecision {
  const { current, catalogMode, allowAutoContain, settings, record } = input;
  const dispositions = dispositionsOf(record);
  const bound = wilsonLowerBound(record.truePositives, dispositions);
  const decision = (level: PromotionLevel, reason: string): PromotionDecision => ({
    level,
    bound,
    dispositions,
    reason,
  });
  const evidence = `Wilson lower bound ${fmt(bound)} over ${dispositions} dispositions (threshold ${settings.threshold}, minimum ${settings.minDispositions})`;

  if (catalogMode === 'auto-contain') return decision('none', 'the catalog already contains this rule automatically');
  if (dispositions < settings.minDispositions) return decision('none', `${evidence}: not enough dispositions`);
  if (bound < settings.threshold) return decision('none', `${evidence}: below the threshold`);

  if (current === 'none') return decision('shadow', `${evidence}: reaches the threshold`);
  if (!allowAutoContain) {
    return decision('shadow', `${evidence}: reaches the threshold; the catalog does not allow automatic containment`);
  }
  if (current === 'shadow' && record.shadowDispositions < settings.minShadowDispositions) {
    return decision(
      'shadow',
      `${evidence}: reaches the threshold; ${record.shadowDispositions} of ${settings.minShadowDispositions} shadow dispositions so far`,
    );
  }
  return decision(
    'auto-contain',
    `${evidence}: reaches the threshold after ${record.shadowDispositions} shadow dispositions`,
  );
}

// ---- the ledger: where promotion state lives -------------------------------------------------------------------------

export const FIDELITY_LEDGER_WORKFLOW_ID = 'soc-fidelity-ledger';
export const FIDELITY_SCHEDULE_ID = 'soc-fidelity-review';

export interface RulePromotion {
  level: PromotionLevel;
  since: string;
}

export interface PromotionTransition {
  ruleId: string;
  from: PromotionLevel;
  to: PromotionLevel;
  at: string;
  reason: string;
  bound: number;
  dispositions: number;
  /** The review workflow that decided it. */
  reviewId: string;
}

/** What the ledger publishes in its memo: readable with a describe call, without a running worker. */
export interface PromotionLedgerView {
  promotions: Record<string, RulePromotion>;
  /** Newest last. */
  recentTransitions: PromotionTransition[];
  reviewedAt?: string;
  /** Rules flagged for detection engineering by the latest review: they keep missing (see `RECALL_FLAG`). */
  recallFlags?: Record<string, { since: string; reason: string }>;
}

export const emptyLedger = (): PromotionLedgerView => ({ promotions: {}, recentTransitions: [] });

export function levelOf(ledger: PromotionLedgerView, ruleId: string): PromotionLevel {
  return ledger.promotions[ruleId]?.level ?? 'none';
}

/** A promotion moves to a higher level. */
export function isPromotion(t: Pick<PromotionTransition, 'from' | 'to'>): boolean {
  return promotionLevels.indexOf(t.to) > promotionLevels.indexOf(t.from);
}
