import type { GraphConfig } from '../../common/config/graph';
import type { Ports } from '../ports';
import type { DefenderAlertFeed } from '../defender-feed';
import { GraphDefenderAlertFeed, type DefenderAlertFeedOptions } from './alerts';
import type { TokenCredential } from '@azure/identity';
import { CachedToken, createCredential } from './auth';
import { GraphContainment } from './containment';
import { DefenderClient } from './defender';
import { ApiClient } from './http';
import { GraphDirectory } from './identity';
import { GraphNamedLocations } from './named-locations';
import { GraphPostureDirectory } from './posture';
import { locationWritesInProcess, locationWritesThroughWorkflow } from '../named-location-writes';

/**
 * The production implementation of the identity, endpoint and containment ports: Microsoft Graph for Entra ID, Intune
 * and Conditional Access, Defender for Endpoint for machines; and the Defender XDR alert feed the poll workflow reads.
 * One credential, one cached token per resource.
 */

export interface GraphTuning {
  /** Between two polls of a Defender machine action (Defender allows 100 calls a minute). */
  pollIntervalMs: number;
  /** How long one activity attempt follows a machine action before reporting it as requested but pending. */
  isolationWaitMs: number;
  /** Upper bound on pages followed for one collection. */
  maxPages: number;
  /** How the Defender XDR alert feed reads `alerts_v2`. */
  defenderAlerts: DefenderAlertFeedOptions;
  /**
   * Who serialises edits of the blocked-IP named location: its writer workflow (a worker's activities; the default),
   * or an in-process queue for code that calls the ports outside a worker (adapter tests, scripts).
   */
  locationWrites: 'workflow' | 'in-process';
}

export const defaultGraphTuning: GraphTuning = {
  pollIntervalMs: 5_000,
  isolationWaitMs: 10 * 60_000,
  maxPages: 10,
  defenderAlerts: {},
  locationWrites: 'workflow',
};

export type GraphPorts = Pick<Ports, 'identity' | 'endpoints' | 'containment' | 'namedLocations' | 'posture'> & {
  /** Not a triage port: the source of the Defender poll workflow (activities/defender-feed.ts). */
  defenderAlerts: DefenderAlertFeed;
};

export function createGraphPorts(config: GraphConfig, tuning: Partial<GraphTuning> = {}): GraphPorts {
  const { pollIntervalMs, isolationWaitMs, maxPages, defenderAlerts, locationWrites } = {
    ...defaultGraphTuning,
    ...tuning,
  };
  const credential = createCredential(config);
  const graph = graphApi(config, credential);
  const defenderApi = new ApiClient({
    service: 'Defender for Endpoint',
    baseUrl: config.defenderBaseUrl,
    version: 'api',
    token: new CachedToken(credential, config.defenderScope, 'Defender for Endpoint'),
    timeoutMs: config.requestTimeoutMs,
  });
  const identity = new GraphDirectory(graph, { maxPages });
  const defender = new DefenderClient(defenderApi);
  const namedLocations = new GraphNamedLocations(graph, config.blockedIpNamedLocationId);
  const writes =
    locationWrites === 'in-process'
      ? locationWritesInProcess(namedLocations)
      : locationWritesThroughWorkflow(config.blockedIpNamedLocationId);
  const containment = new GraphContainment(
    graph,
    identity,
    defender,
    { isolationType: config.isolationType, pollIntervalMs, isolationWaitMs },
    { reader: namedLocations, writes },
  );
  return {
    identity,
    endpoints: defender,
    containment,
    namedLocations,
    posture: new GraphPostureDirectory(graph, { maxPages, limit: 5_000 }),
    defenderAlerts: new GraphDefenderAlertFeed(graph, defenderAlerts),
  };
}

function graphApi(config: GraphConfig, credential: TokenCredential): ApiClient {
  return new ApiClient({
    service: 'Microsoft Graph',
    baseUrl: config.graphBaseUrl,
    version: 'v1.0',
    token: new CachedToken(credential, config.graphScope, 'Microsoft Graph'),
    timeoutMs: config.requestTimeoutMs,
  });
}
