import { Z_95, wilsonLowerBound } from './fidelity';

/**
 * Recall per rule: how often a rule fires on what it is meant to catch. Counted from detection exercises (an exercise
 * alert of the rule arrived within the window: detected; none did: missed) and from missed-detection records (an
 * incident found by other means that the rule should have caught: one miss). Pure: used by workflows, the CLI and tests.
 */

/** Upper bound of the Wilson score interval for `successes` out of `trials` (1 when there are no trials). */
export function wilsonUpperBound(successes: number, trials: number, z = Z_95): number {
  if (trials <= 0) return 1;
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.min(1, (centre + margin) / (1 + z2 / trials));
}

/** A proportion with its Wilson 95% interval; `value` is null without trials (the interval is then [0, 1]). */
export interface Proportion {
  successes: number;
  trials: number;
  value: number | null;
  lower: number;
  upper: number;
}

export function proportion(successes: number, trials: number): Proportion {
  return {
    successes,
    trials,
    value: trials > 0 ? successes / trials : null,
    lower: wilsonLowerBound(successes, trials),
    upper: wilsonUpperBound(successes, trials),
  };
}

/** The counts behind a rule's recall. */
export interface RecallCounts {
  /** Exercises in which an alert of the rule arrived within the window. */
  detected: number;
  /** Exercises whose window ended with no such alert. */
  exercisesMissed: number;
  /** Missed-detection records naming the rule (incidents the rule should have caught). */
  missedDetections: number;
}

export const emptyRecallCounts = (): RecallCounts => ({ detected: 0, exercisesMissed: 0, missedDetections: 0 });

export const missesOf = (counts: RecallCounts) => counts.exercisesMissed + counts.missedDetections;

/** detected / (detected + missed), missed = missed exercises + missed-detection records. */
export function recallOf(counts: RecallCounts): Proportion {
  return proportion(counts.detected, counts.detected + missesOf(counts));
}

/**
 * When a rule is flagged for detection engineering: it keeps missing — at least `minMisses` misses and even the
 * optimistic end of its recall interval below `maxUpperBound`. The one place this threshold is defined.
 */
export const RECALL_FLAG = { minMisses: 2, maxUpperBound: 0.5 } as const;

export function recallFlagged(counts: RecallCounts): boolean {
  return missesOf(counts) >= RECALL_FLAG.minMisses && recallOf(counts).upper < RECALL_FLAG.maxUpperBound;
}

export function recallFlagReason(counts: RecallCounts): string {
  const r = recallOf(counts);
  return (
    `recall ${r.successes}/${r.trials}, Wilson 95% upper bound ${r.upper.toFixed(3)} < ${RECALL_FLAG.maxUpperBound} ` +
    `with ${missesOf(counts)} misses (≥ ${RECALL_FLAG.minMisses}): needs detection engineering`
  );
}
