import type { GraphStandIn } from './server';
import { BLOCKED_IPS_LOCATION_ID } from './seed';

export * from './model';
export * from './seed';
export * from './server';

/**
 * The environment that points `loadGraphConfig()` (common/config/graph.ts) at a running stand-in, for a worker started
 * in another process. That process must also trust the stand-in's certificate: set NODE_EXTRA_CA_CERTS to its path
 * before it starts.
 */
export function standInGraphEnv(
  standIn: GraphStandIn,
  namedLocationId = BLOCKED_IPS_LOCATION_ID,
): Record<string, string> {
  return {
    GRAPH_TENANT_ID: standIn.tenantId,
    GRAPH_CLIENT_ID: standIn.clientId,
    GRAPH_CLIENT_SECRET: standIn.clientSecret,
    GRAPH_AUTHORITY_HOST: standIn.authorityHost,
    GRAPH_BASE_URL: standIn.url,
    DEFENDER_BASE_URL: standIn.url,
    GRAPH_BLOCKED_IP_LOCATION_ID: namedLocationId,
  };
}
