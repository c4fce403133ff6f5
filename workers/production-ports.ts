import type { DefenderAlertFeed } from '../activities/defender-feed';
import { createGraphPorts } from '../activities/graph';
import { createLogMessenger } from '../activities/log-messenger';
import type { Messenger, Ports } from '../activities/ports';
import { createTeamsMessenger } from '../activities/teams';
import { createWriteBackPorts } from '../activities/write-back';
import {
  ConfigError,
  loadGraphConfig,
  loadReducedMode,
  loadTeamsConfig,
  loadWriteBackConfig,
  writeBackSources,
  type Env,
} from '../common/config';

export interface SelectedPorts {
  ports: Ports;
  description: string;
  /** True when a seeded demo tenant stands in for Microsoft (npm start only). */
  demo: boolean;
  /** Where Defender XDR alerts are pulled from (Graph, or the stand-in in demo mode); none in the in-memory demo. */
  defenderAlerts?: { feed: DefenderAlertFeed; tenantId: string };
  close(): Promise<void>;
}

/**
 * The production ports: Microsoft Graph and Defender for Endpoint, and Teams for questions and escalations. Fails
 * closed: without a tenant or without Teams the worker does not start, naming what is missing — unless the
 * deployment opts by name into a reduced mode (SOC_REDUCED_MODE=log-messaging: no questions, escalations in the log).
 */
export function productionPorts(
  log: (line: string) => void,
  env: Env = process.env,
  /** `npm start` only: its printed questions and escalations where no Teams is configured. */
  demoMessenger?: { messenger: Messenger; description: string },
): SelectedPorts {
  const graph = loadGraphConfig(env);
  if (!graph) {
    throw new ConfigError(
      'GRAPH_TENANT_ID',
      'must be set, with GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (or GRAPH_CLIENT_CERTIFICATE): the production worker contains and enriches through Microsoft Graph (npm start runs the demo tenant instead)',
    );
  }
  const reduced = loadReducedMode(env);
  const teams = loadTeamsConfig(env);
  if (!teams && !reduced && !demoMessenger) {
    throw new ConfigError(
      'TEAMS_APP_ID',
      'must be set, with TEAMS_APP_SECRET, TEAMS_TENANT_ID, TEAMS_SOC_CONVERSATION_ID and TEAMS_CARD_HMAC_KEY: users are asked and analysts reached in Teams (or opt into SOC_REDUCED_MODE=log-messaging: nobody is asked, escalations go to this log)',
    );
  }
  const { defenderAlerts, ...graphPorts } = createGraphPorts(graph);
  const [messenger, messaging] = teams
    ? [
        createTeamsMessenger(teams, {
          lookupObjectId: async (upn) => (await graphPorts.identity.userProfile({ userPrincipalName: upn })).id,
        }),
        'questions and escalations through Microsoft Teams',
      ]
    : demoMessenger
      ? [demoMessenger.messenger, demoMessenger.description]
      : [
          createLogMessenger(log),
          'REDUCED MODE (SOC_REDUCED_MODE=log-messaging): nobody is asked, escalations are written to this log',
        ];
  const writeBackConfig = loadWriteBackConfig(env);
  const writeBack = createWriteBackPorts(writeBackConfig, graph);
  const writingTo = writeBackSources.filter((source) => writeBackConfig[source]);
  return {
    ports: { ...graphPorts, messenger, writeBack },
    description: `Microsoft Graph and Defender for Endpoint, tenant ${graph.tenantId}; ${messaging}; ${writingTo.length ? `verdicts written back to ${writingTo.join(', ')}` : 'no SIEM write-back configured'}`,
    demo: false,
    defenderAlerts: { feed: defenderAlerts, tenantId: graph.tenantId },
    close: async () => undefined,
  };
}
