import { workflowTypes } from './workflow-types';

/**
 * A string literal for a visibility query. Temporal's list filter has no escape for quotes inside a string, so a value
 * holding both quote characters cannot be asked for and is refused by name.
 */
export function visibilityString(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new Error(`cannot query for a value with both quote characters: ${value}`);
}

/** Triage cases only (not the poller, the ledger, the gates or the writers that share their task queue). */
export const triageCasesClause = `WorkflowType = ${visibilityString(workflowTypes.triage)}`;
