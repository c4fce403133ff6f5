export { triageWorkflow } from './triage/workflow';
export { fidelityLedgerWorkflow, fidelityReviewWorkflow } from './fidelity/workflow';
export { defenderPollWorkflow } from './defender-poll/workflow';
export { namedLocationWorkflow } from './named-location/workflow';
export { correlationGateWorkflow } from './correlation/workflow';
export { detectionExerciseWorkflow } from './exercise/exercise';
export { exerciseRegistryWorkflow } from './exercise/registry';
export { missedDetectionWorkflow } from './exercise/missed';
