export { triageWorkflow } from './triage/workflow';
export { fidelityLedgerWorkflow, fidelityReviewWorkflow } from './fidelity/workflow';
export { defenderPollWorkflow } from './defender-poll/workflow';
export { namedLocationWorkflow } from './named-location/workflow';
export { correlationGateWorkflow } from './correlation/workflow';
export { postureRunWorkflow } from './posture/run';
export { postureFindingWorkflow } from './posture/finding';
