import type { CaseState, TriageInput } from '../../common/triage';
import { TriageCase } from './case';
import { registerHandlers } from './handlers';

/** One workflow per alert: enrich, route by the rule's policy, ask the user or escalate, contain, undo, close. */
export async function triageWorkflow(input: TriageInput): Promise<CaseState> {
  const triage = new TriageCase(input);
  registerHandlers(triage);
  return triage.run();
}
