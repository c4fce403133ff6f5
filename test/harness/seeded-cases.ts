/**
 * Workflow code (bundled by the metrics and fidelity tests): a stand-in registered under the triage workflow's type
 * name that records a finished (or still open) case's search attributes with times relative to its own StartTime,
 * so visibility holds exactly the cases a test describes and every metric can be checked by hand.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import {
  ClosedAtKey,
  ContainedAtKey,
  DispositionKey,
  QuestionOutcomeKey,
  RouteKey,
  RuleIdKey,
  SettledByKey,
  TriagedAtKey,
  TriageStateKey,
  WouldContainKey,
} from '../../common/search-attributes';

export interface SeededCase {
  ruleId: string;
  route: 'auto-contain' | 'confirm-with-user' | 'analyst';
  disposition: 'undetermined' | 'true-positive' | 'benign-positive' | 'false-positive';
  settledBy?: 'user' | 'automation' | 'analyst';
  /** Milliseconds after StartTime. */
  triagedAfterMs?: number;
  containedAfterMs?: number;
  /** Set: the case is closed; unset: it stays open (running, awaiting an analyst). */
  closedAfterMs?: number;
  questionOutcome?: 'answered' | 'expired' | 'withdrawn' | 'undeliverable';
  wouldContain?: boolean;
}

export async function triageWorkflow(seed: SeededCase): Promise<void> {
  const start = wf.workflowInfo().startTime.getTime();
  const at = (ms: number | undefined) => (ms === undefined ? undefined : new Date(start + ms));
  const closed = seed.closedAfterMs !== undefined;
  const pairs: [unknown, unknown][] = [
    [RuleIdKey, seed.ruleId],
    [RouteKey, seed.route],
    [DispositionKey, seed.disposition],
    [TriageStateKey, closed ? 'closed' : seed.containedAfterMs !== undefined ? 'contained' : 'awaiting-analyst'],
    [SettledByKey, seed.settledBy],
    [TriagedAtKey, at(seed.triagedAfterMs)],
    [ContainedAtKey, at(seed.containedAfterMs)],
    [ClosedAtKey, at(seed.closedAfterMs)],
    [QuestionOutcomeKey, seed.questionOutcome],
    [WouldContainKey, seed.wouldContain],
  ];
  wf.upsertSearchAttributes(
    pairs
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => ({ key, value })) as SearchAttributeUpdatePair[],
  );
  if (!closed) await wf.condition(() => false);
}
