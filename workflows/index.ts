export { triageWorkflow } from './triage';
export { fidelityLedgerWorkflow, fidelityReviewWorkflow } from './fidelity';
export { defenderPollWorkflow } from './defender-poll';
export { namedLocationWorkflow } from './named-location/workflow';
export { correlationGateWorkflow } from './correlation';
