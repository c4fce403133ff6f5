import * as wf from '@temporalio/workflow';
import type { FindingCase, PostureFindingInput } from '../../common/posture';
import {
  findingAnswerSignal,
  findingSeenSignal,
  findingStateQuery,
  findingUndoSignal,
} from '../../common/messages/posture';
import { answerQuestionSignal, requestOutcomeQuery } from '../../common/messages/triage';
import { FindingCaseRun } from './finding-case';
import { postureAnswerOf } from './plan';

/**
 * One posture finding's durable case (workflow id `postureFindingWorkflowId(routine, subject)`): runs that find it
 * again only signal it; the person responsible answers by signal (the CLI, or the Teams card's buttons, worded by
 * `questionWording`: "Keep <guest>" keeps, "Remove <guest>" removes).
 */
export async function postureFindingWorkflow(input: PostureFindingInput): Promise<FindingCase> {
  const finding = new FindingCaseRun(input);
  wf.setHandler(findingSeenSignal, ({ runId, at }) => finding.seen(runId, at));
  wf.setHandler(findingAnswerSignal, ({ by, answer, requestId }) => finding.answered(by, answer, requestId));
  wf.setHandler(answerQuestionSignal, ({ userId, answer, requestId }) =>
    finding.answered(userId, postureAnswerOf(answer), requestId),
  );
  wf.setHandler(findingUndoSignal, ({ by, requestId }) => finding.undoRequested(by, requestId));
  wf.setHandler(findingStateQuery, () => finding.state);
  wf.setHandler(requestOutcomeQuery, (requestId) => finding.outcomeOf(requestId));
  return finding.run();
}
