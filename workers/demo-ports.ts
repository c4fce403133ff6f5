import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createTeamsMessenger } from '../activities/teams';
import { z } from 'zod';
import { loadGraphConfig, loadTeamsConfig, parseVar } from '../common/config';
import { temporalDir } from '../scripts/servers';
import { standInCertificate, startGraphDemo, trustsStandIn } from '../standins/graph/demo';
import { startSiemWriteBackDemo } from '../standins/siem/demo';
import { startTeamsDemo } from '../standins/teams/demo';
import { standInStepUp } from '../standins/entra/step-up';
import type { StepUp } from '../client/teams/step-up';
import { demoPorts } from './demo';
import { productionPorts, type SelectedPorts } from './production-ports';

/**
 * `npm start`'s ports (the demo entry point only). With GRAPH_TENANT_ID: Microsoft Graph and Defender, as in
 * production. Without it: the local Graph stand-in when this process trusts its certificate (`npm start` arranges
 * that), else the in-memory demo tenant. Teams carries the questions when TEAMS_APP_ID is set; SOC_DEMO_TEAMS=1 plays
 * Teams with a local stand-in; otherwise questions and escalations are printed here.
 */
export async function selectDemoPorts(options: {
  log: (line: string) => void;
  temporal: Client;
  analysts: string[];
}): Promise<SelectedPorts> {
  const { log } = options;
  const printed = demoPorts(log);
  const teams = loadTeamsConfig();
  let selected: SelectedPorts;
  let stepUp: ((publicUrl: string) => Promise<StepUp>) | undefined;
  if (loadGraphConfig()) {
    // A real tenant with `npm start`: without Teams, questions and escalations are printed here.
    return productionPorts(log, process.env, {
      messenger: printed.messenger,
      description: 'questions and escalations printed here',
    });
  }
  const tls = await standInCertificate(join(temporalDir, 'tls'));
  if (trustsStandIn(tls.certPath)) {
    const standIn = await startGraphDemo({ tls });
    const siem = await startSiemWriteBackDemo({ tls, graph: standIn, autoCreate: true });
    const { defenderAlerts, ...standInPorts } = standIn.ports;
    stepUp = standInStepUp({ standIn: standIn.standIn, graph: standIn.config, temporal: options.temporal, log });
    selected = {
      ports: { ...standInPorts, messenger: printed.messenger, writeBack: siem.writeBack },
      description: `demo mode: no GRAPH_TENANT_ID, so Graph, Defender and Entra ID are a local stand-in at ${standIn.standIn.url}; verdicts written back to stand-ins of Defender XDR, Sentinel (${siem.sentinel.url}), Splunk ES (${siem.splunk.url}) and Kibana (${siem.kibana.url})`,
      demo: true,
      defenderAlerts: { feed: defenderAlerts, tenantId: standIn.config.tenantId },
      close: async () => {
        await siem.stop();
        await standIn.stop();
      },
    };
  } else {
    selected = {
      ports: printed,
      description: 'demo mode: in-memory demo tenant',
      demo: true,
      close: async () => undefined,
    };
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
  } else if (
    parseVar(
      process.env,
      'SOC_DEMO_TEAMS',
      z.enum(['0', '1'], { error: 'must be 1 (play Teams with a local stand-in) or 0' }),
    ) === '1'
  ) {
    const teamsDemo = await startTeamsDemo({
      temporal: options.temporal,
      analysts: options.analysts,
      identity: selected.ports.identity,
      stepUp,
    });
    selected.ports = { ...selected.ports, messenger: teamsDemo.messenger };
    selected.description += '; Microsoft Teams played by a local stand-in';
    teamsDemo.instructions.forEach(log);
    const closeStandIn = selected.close;
    selected.close = async () => {
      await teamsDemo.close();
      await closeStandIn();
    };
  } else {
    selected.description += '; questions and escalations printed here';
  }
  return selected;
}
