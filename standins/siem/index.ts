export { startSentinelStandIn, type SentinelStandIn } from './sentinel';
export { startSplunkStandIn, type SplunkStandIn } from './splunk';
export { startKibanaStandIn, type KibanaStandIn } from './kibana';
export type { SiemFault, SiemLoggedRequest } from './base';
