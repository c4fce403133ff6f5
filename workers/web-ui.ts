import { workflowTypes } from '../common/workflow-types';

/**
 * The Temporal Web UI as an analyst opens it: the workflow list filtered to triage cases (the poller, the ledger and
 * the other helpers left out), and where a case's story is.
 */
export const triageCasesQuery = `WorkflowType = '${workflowTypes.triage}'`;

export function triageCasesUrl(webUi: string, namespace: string): string {
  return `${webUi}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(triageCasesQuery)}`;
}

export const caseStoryHint =
  "Open a case for its story: the User Metadata tab holds its Summary, Details (the alert) and Current Details (the case so far). Add the SocTriageState, SocDisposition, SocSeverity and SocRuleId columns with the list's column settings; a filter such as SocTriageState = 'awaiting-analyst' narrows it further.";
