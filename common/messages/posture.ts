import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { FindingCase, PostureAnswer } from '../posture';

/** Every message a posture finding understands, shared by the workflows, the run's activity and the CLI. */

/** A run found the finding again (signal-with-start: the first one opens the case). */
export const findingSeenSignal = defineSignal<[{ runId: string; at: string }]>('postureFindingSeen');

/** The asked person's answer: `keep` (still needed: snooze) or `remove` (act now). Accepted only from them. */
export const findingAnswerSignal =
  defineSignal<[{ by: string; answer: PostureAnswer; requestId: string }]>('postureFindingAnswer');

/** An analyst (or the asked person) undoes what the finding changed. */
export const findingUndoSignal = defineSignal<[{ by: string; requestId: string }]>('postureFindingUndo');

export const findingStateQuery = defineQuery<FindingCase>('postureFindingState');
