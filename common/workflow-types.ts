/**
 * The workflow type names clients start, list and query by: the names of the functions `workflows/index.ts` exports
 * (a unit test holds them together).
 */
export const workflowTypes = {
  triage: 'triageWorkflow',
  fidelityLedger: 'fidelityLedgerWorkflow',
  fidelityReview: 'fidelityReviewWorkflow',
  defenderPoll: 'defenderPollWorkflow',
  correlationGate: 'correlationGateWorkflow',
  namedLocation: 'namedLocationWorkflow',
  detectionExercise: 'detectionExerciseWorkflow',
  exerciseRegistry: 'exerciseRegistryWorkflow',
  missedDetection: 'missedDetectionWorkflow',
  postureRun: 'postureRunWorkflow',
  postureFinding: 'postureFindingWorkflow',
} as const;

export type WorkflowTypeName = (typeof workflowTypes)[keyof typeof workflowTypes];
