/** The SIEM intake: an HTTP service that turns SIEM deliveries into triage workflows (see server.ts). */
export { buildIntakeServer, type IntakeServer, type IntakeServerOptions } from './server';
export { startIntake, sampleCurl, withDemoToken, type RunningIntake, type StartIntakeOptions } from './start';
export { AlertDispatcher, type AlertOutcome, type DispatchResult, type DispatcherOptions } from './dispatch';
export {
  startDefenderPolling,
  stopDefenderPolling,
  defenderPollWorkflowId,
  type DefenderPollingOptions,
} from './defender-polling';
export { signBody } from './auth';
