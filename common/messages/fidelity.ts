import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PromotionLedgerView, PromotionTransition } from '../fidelity';

/** What a review tells the ledger: each change it decided, applied only if the ledger is still at `from`. */
export interface FidelityReviewRecord {
  reviewId: string;
  reviewedAt: string;
  transitions: PromotionTransition[];
  /** Rules whose exercises keep missing (see `RECALL_FLAG`); absent from reviews of earlier versions. */
  recallFlags?: RecallFlag[];
}

export interface RecallFlag {
  ruleId: string;
  reason: string;
}

export const recordFidelityReviewSignal = defineSignal<[FidelityReviewRecord]>('recordFidelityReview');
export const promotionLedgerQuery = defineQuery<PromotionLedgerView>('promotionLedger');

/** The ledger's memo key; readers use `describe()` so they need no running worker. */
export const LEDGER_MEMO_KEY = 'promotionLedger';
