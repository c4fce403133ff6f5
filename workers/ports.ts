import { join } from 'node:path';
import type { DefenderAlertFeed } from '../activities/defender-feed';
import { createGraphPorts } from '../activities/graph';
import type { Ports } from '../activities/ports';
import { createTeamsMessenger } from '../activities/teams';
import { loadGraphConfig, loadTeamsConfig } from '../common/config';
import { temporalDir } from '../scripts/servers';
import { standInCertificate, startGraphDemo, trustsStandIn } from '../standins/graph/demo';
import { demoPorts } from './demo';

export interface SelectedPorts {
  ports: Ports;
  description: string;
  /** True when no Microsoft tenant is configured and a seeded demo tenant stands in for it. */
  demo: boolean;
  /** Where Defender XDR alerts are pulled from (Graph, or the stand-in in demo mode); none in the in-memory demo. */
  defenderAlerts?: { feed: DefenderAlertFeed; tenantId: string };
  close(): Promise<void>;
}

/**
 * Chooses the implementation behind each port from configuration. With GRAPH_TENANT_ID: Microsoft Graph and
 * Defender for Endpoint. Without it (demo mode): the local Graph stand-in when this process trusts its certificate
 * (`npm start` arranges that), else the in-memory demo tenant. Teams carries the questions when TEAMS_APP_ID is set;
 * otherwise they are printed here.
 */
export async function selectPorts(options: { log: (line: string) => void }): Promise<SelectedPorts> {
  const printed = demoPorts(options.log);
  const graph = loadGraphConfig();
  const teams = loadTeamsConfig();
  let selected: SelectedPorts;
  if (graph) {
    const { defenderAlerts, ...graphPorts } = createGraphPorts(graph);
    selected = {
      ports: { ...graphPorts, messenger: printed.messenger },
      description: `Microsoft Graph and Defender for Endpoint, tenant ${graph.tenantId}`,
      demo: false,
      defenderAlerts: { feed: defenderAlerts, tenantId: graph.tenantId },
      close: async () => undefined,
    };
  } else {
    const tls = await standInCertificate(join(temporalDir, 'tls'));
    if (trustsStandIn(tls.certPath)) {
      const standIn = await startGraphDemo({ tls });
      const { defenderAlerts, ...standInPorts } = standIn.ports;
      selected = {
        ports: { ...standInPorts, messenger: printed.messenger },
        description: `demo mode: no GRAPH_TENANT_ID, so Graph, Defender and Entra ID are a local stand-in at ${standIn.standIn.url}`,
        demo: true,
        defenderAlerts: { feed: defenderAlerts, tenantId: standIn.config.tenantId },
        close: () => standIn.stop(),
      };
    } else {
      selected = {
        ports: printed,
        description: 'demo mode: in-memory demo tenant',
        demo: true,
        close: async () => undefined,
      };
    }
  }
  if (teams) {
    const { identity } = selected.ports;
    selected.ports = {
      ...selected.ports,
      messenger: createTeamsMessenger(teams, {
        lookupObjectId: async (upn) => (await identity.userProfile({ userPrincipalName: upn })).id,
      }),
    };
    selected.description += '; questions and escalations through Microsoft Teams';
  } else {
    selected.description += '; questions and escalations printed here';
  }
  return selected;
}
