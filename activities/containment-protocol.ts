import type { ContainmentOutcome, ContainmentRequest, UndoOutcome } from '../common/triage';

/**
 * The exactly-once protocol every containment adapter follows. Before any action runs, the workflow reads whether
 * each effect is in place, in a step of its own whose result is in its history (`request.inPlaceBefore`). Then an
 * action acts only if its effect is not in place now, and reports `applied` whenever this case changed the world:
 * a retry after a crash finds the effect in place and, from the recorded prior state, still reports it as applied by
 * this case, so the undo of a false positive restores what was there before.
 */
export async function checkThenAct(options: {
  request: Pick<ContainmentRequest, 'inPlaceBefore'>;
  target: string;
  isInPlace: () => Promise<boolean>;
  act: () => Promise<void>;
  describe: { applied: string; alreadyInPlace: string };
}): Promise<ContainmentOutcome> {
  const { request, target, isInPlace, act, describe } = options;
  const inPlaceNow = await isInPlace();
  // Cases started before the prior-state step existed carry none: the state now stands in for it.
  const inPlaceBefore = request.inPlaceBefore ?? inPlaceNow;
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
