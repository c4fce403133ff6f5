export { ConfigError, parseVar, readPem, type Env } from './env';
export { loadTemporalConfig, connectionOptions, type TemporalConfig } from './temporal';
export { loadTriageConfig, type TriageConfig } from './triage';
export { loadTeamsConfig, type TeamsConfig } from './teams';
export {
  loadIntakeConfig,
  intakeConfig,
  intakeSources,
  type IntakeConfig,
  type IntakeSource,
  type SourceAuth,
  type AuthMethod,
} from './intake';
export { loadGraphConfig, type GraphConfig } from './graph';
export { loadMetricsConfig, type MetricsConfig } from './metrics';
export {
  loadWorkerConfig,
  isVersionedBundle,
  DEFAULT_MAX_CACHED_WORKFLOWS,
  DEFAULT_WORKFLOW_THREADS,
  DEFAULT_WORKFLOW_BUNDLE,
  DEFAULT_VERSIONED_WORKFLOW_BUNDLE,
  type WorkerConfig,
  type WorkerDeployment,
} from './worker';
export { loadReducedMode, reducedModes, type ReducedMode } from './reduced-mode';
export { loadStepUpConfig, requireStepUpConfig, type StepUpConfig } from './step-up';
export { loadWriteBackConfig, writeBackSources, type WriteBackConfig, type WriteBackSource } from './write-back';
export { loadLogLevel, logLevels, type LogLevelName } from './logging';
export { loadCodecKeys, DEMO_CODEC_KEY_FILE, type CodecKeys, type CodecKey } from './codec';
export { loadCodecServerConfig, type CodecServerConfig } from './codec-server';
export { loadPostureConfig, type PostureConfig } from './posture';
