import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The correlation gate: one workflow per (rule, user) that names the open case alerts of that rule and user join.
 * Shared by the gate, the triage workflow (which frees the gate when its case closes) and the intake.
 */

/**
 * Workflow ids are shown in the Web UI and stored in plain text: the gate is named by the hash of rule and user, and
 * by the task queue its deployment runs on (a gate on another deployment's queue would never be served here).
 */
export const correlationGateId = (taskQueue: string, correlationKey: string) =>
  `soc-correlation-${taskQueue}-${correlationKey}`;

export interface CorrelationGateInput {
  /** Set only when the gate continues as new with the open case it had. */
  owner?: string;
}

export interface CaseClaim {
  /** The triage workflow the claimant will start if no case is open. */
  workflowId: string;
  /** An owner the claimant found gone (never started, or closed without telling the gate): replaced, not joined. */
  staleOwner?: string;
}

/** Answers the open case's workflow id: `claim.workflowId` itself when the claimant now owns the gate. */
export const claimCaseUpdate = defineUpdate<string, [CaseClaim]>('claimCase');

/** The case with this workflow id has closed: the next alert starts a new one. */
export const caseClosedSignal = defineSignal<[string]>('caseClosed');

/** The open case's workflow id, if any; claims nothing. */
export const openCaseQuery = defineQuery<string | undefined>('openCase');
