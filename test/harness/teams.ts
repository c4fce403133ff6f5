import type { WorkflowHandle } from '@temporalio/client';
import { cardButtons, type StandInMessage, type TeamsStandIn } from '../../standins/teams/standin';
import { waitForCase } from './cases';

/** Waits until the case has asked `userId` and the stand-in holds that question's card; returns the card's message. */
export async function questionCard(
  standIn: TeamsStandIn,
  handle: WorkflowHandle,
  userId: string,
): Promise<StandInMessage> {
  await waitForCase(
    handle,
    (s) => s.triageState === 'awaiting-user' && Boolean(s.question?.messageRef),
    'the question',
  );
  for (const deadline = Date.now() + 30_000; ;) {
    const card = standIn
      .messages({ userId })
      .find((m) => cardButtons(m.card).some((b) => b.data.workflowId === handle.workflowId));
    if (card) return card;
    if (Date.now() > deadline) throw new Error('the question card never arrived');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
