import * as wf from '@temporalio/workflow';
import {
  caseClosedSignal,
  claimCaseUpdate,
  openCaseQuery,
  type CaseClaim,
  type CorrelationGateInput,
} from '../../common/messages/correlation';

/**
 * The open case of one rule and one user, so that their alerts join it instead of asking the user again — exact
 * across intake replicas and server restarts, because claims are serialized by the workflow, not by a process or by
 * visibility. The intake claims with update-with-start (conflict policy USE_EXISTING); the case tells the gate when it
 * closes. With no open case and no claim in flight the gate completes; the next claim starts a new run.
 */

/** Updates per run stay far below the server's 2,000. */
const CLAIMS_PER_RUN = 1_000;

const isClaim = (claim: unknown): claim is CaseClaim => {
  const { workflowId, staleOwner } = (claim ?? {}) as Partial<CaseClaim>;
  return (
    typeof workflowId === 'string' &&
    workflowId.length > 0 &&
    (staleOwner === undefined || typeof staleOwner === 'string')
  );
};

export async function correlationGateWorkflow(input: CorrelationGateInput = {}): Promise<void> {
  let owner = input.owner;
  let claims = 0;
  wf.setHandler(
    claimCaseUpdate,
    (claim) => {
      claims++;
      if (owner === undefined || owner === claim.staleOwner) owner = claim.workflowId;
      return owner;
    },
    {
      validator: (claim) => {
        if (!isClaim(claim)) throw new Error('a claim names the claimant workflowId (and optionally a staleOwner)');
      },
    },
  );
  wf.setHandler(caseClosedSignal, (workflowId) => {
    if (owner === workflowId) owner = undefined;
  });
  wf.setHandler(openCaseQuery, () => owner);

  // A run starts with its first claim (update-with-start) or its carried owner: until then it is not idle.
  const used = () => claims > 0 || input.owner !== undefined;
  const idle = () => used() && owner === undefined && wf.allHandlersFinished();
  const historyFull = () => claims >= CLAIMS_PER_RUN || wf.workflowInfo().continueAsNewSuggested;
  await wf.condition(() => idle() || historyFull());
  if (idle()) return;
  await wf.condition(wf.allHandlersFinished);
  await wf.continueAsNew<typeof correlationGateWorkflow>({ owner });
}
