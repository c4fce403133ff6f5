import type { Client } from '@temporalio/client';
import type { StepUpProof } from '../../../common/step-up';
import { sendAnswer } from '../../triage-client';
import type { SignInFlow } from './flows';

/** Where a verified step-up goes: the answer signal, with the proof, as the asked user. */
export interface StepUpAnswerSink {
  send(flow: SignInFlow, proof: StepUpProof, receivedAt: Date): Promise<{ recorded: boolean; message: string }>;
}

export function temporalAnswerSink(temporal: Client, waitMs = 3_000): StepUpAnswerSink {
  return {
    async send(flow, proof, receivedAt) {
      const outcome = await sendAnswer(
        temporal,
        flow.workflowId,
        { userId: flow.answerAs, answer: flow.answer, stepUp: proof },
        // One request per sign-in: the nonce is spent once, so a retry of this same sign-in is recognised.
        { requestId: `stepup:${flow.nonce.slice(0, 43)}`, sentAt: receivedAt, waitMs },
      );
      switch (outcome.status) {
        case 'applied':
        case 'accepted':
          return { recorded: true, message: 'Your answer "Yes, this was me" is recorded, confirmed by your sign-in.' };
        case 'pending':
          return {
            recorded: true,
            message: 'Your answer is recorded; it takes effect when the service is back.',
          };
        case 'closed':
        case 'not-found':
          return { recorded: false, message: 'This question is closed; the security team has the case.' };
        case 'refused':
          return { recorded: false, message: `The answer was refused: ${outcome.reason ?? 'no reason given'}.` };
      }
    },
  };
}
