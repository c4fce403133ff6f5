export { triageWorkflow } from './triage';
export { fidelityLedgerWorkflow, fidelityReviewWorkflow } from './fidelity';
export { defenderPollWorkflow } from './defender-poll';
export { correlationGateWorkflow } from './correlation';
