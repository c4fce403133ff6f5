export { ConfigError, parseVar, readPem, type Env } from './env';
export { loadTemporalConfig, connectionOptions, type TemporalConfig } from './temporal';
export { loadTriageConfig, type TriageConfig } from './triage';
