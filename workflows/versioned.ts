import { setWorkflowOptions } from '@temporalio/workflow';
import { VERSIONED_WORKFLOWS_MARKER } from '../common/versioning';
import {
  correlationGateWorkflow,
  defenderPollWorkflow,
  exerciseRegistryWorkflow,
  fidelityLedgerWorkflow,
  namedLocationWorkflow,
  triageWorkflow,
} from './index';

/**
 * The workflows as a versioned worker registers them (common/versioning.ts). A triage case stays on the version that
 * started it until it closes, so a deploy never changes the code under a case mid-way. The long-running workflows move
 * to the current version at their next task: they would otherwise hold an old version for ever. Everything else takes
 * the worker's default, PINNED. Only a versioned worker may load this module.
 */
export * from './index';
export const versionedWorkflows = VERSIONED_WORKFLOWS_MARKER;

setWorkflowOptions({ versioningBehavior: 'PINNED' }, triageWorkflow);
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, defenderPollWorkflow);
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, fidelityLedgerWorkflow);
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, correlationGateWorkflow);
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, namedLocationWorkflow);
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, exerciseRegistryWorkflow);
