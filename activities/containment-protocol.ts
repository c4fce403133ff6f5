import type { ContainmentOutcome, UndoOutcome } from '../common/triage';
import type { ContainmentContext } from './ports';

interface PreState {
  inPlaceBefore: boolean;
}

/**
 * The exactly-once protocol every containment adapter follows: read the current state, remember (in the activity's
 * heartbeat, which survives a crashed worker) whether the effect was in place before this case touched it, then act
 * only if it is not in place. A retry after a crash finds the effect in place and, from the remembered pre-state,
 * still reports it as applied by this case, so the undo of a false positive restores what was there before.
 */
export async function checkThenAct(options: {
  context: ContainmentContext;
  target: string;
  isInPlace: () => Promise<boolean>;
  act: () => Promise<void>;
  describe: { applied: string; alreadyInPlace: string };
}): Promise<ContainmentOutcome> {
  const { context, target, isInPlace, act, describe } = options;
  const prior = context.priorDetails as PreState | undefined;
  const inPlaceNow = await isInPlace();
  const inPlaceBefore = prior?.inPlaceBefore ?? inPlaceNow;
  if (!prior) context.heartbeat({ inPlaceBefore } satisfies PreState);
  if (inPlaceNow) {
    return inPlaceBefore
      ? { status: 'already-in-place', target, detail: describe.alreadyInPlace }
      : { status: 'applied', target, detail: describe.applied };
  }
  await act();
  return { status: 'applied', target, detail: describe.applied };
}

/** Undo is safe to repeat for the same reason: it acts only while the effect is still in place. */
export async function checkThenUndo(options: {
  isInPlace: () => Promise<boolean>;
  undo: () => Promise<void>;
  describe: { undone: string; nothingToUndo: string };
}): Promise<UndoOutcome> {
  if (!(await options.isInPlace())) return { status: 'nothing-to-undo', detail: options.describe.nothingToUndo };
  await options.undo();
  return { status: 'undone', detail: options.describe.undone };
}
