import { join } from 'node:path';
import { demoSeed } from '../../activities/in-memory/seed';
import { DEMO_ANALYST } from '../../common/demo';
import { graphDemoSeed, standInGraphEnv, startGraphStandIn } from '../../standins/graph';
import { standInCertificate } from '../../standins/graph/demo';
import { startTeamsStandIn } from '../../standins/teams/standin';
import { temporalDir } from '../servers';

/**
 * The product's workers are production workers (they fail closed without Graph and Teams): the benchmark gives them
 * the stand-ins `npm run cluster` uses, the demo tenant and a Bot Connector, in this process. Nobody clicks a card.
 */
export async function startBenchStandIns(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const tls = await standInCertificate(join(temporalDir, 'tls'));
  const graph = await startGraphStandIn({ tls, seed: graphDemoSeed() });
  const teams = await startTeamsStandIn({
    tls,
    users: [
      ...demoSeed().users.map((u) => ({ id: u.id, name: u.displayName, upn: u.userPrincipalName })),
      { id: DEMO_ANALYST, name: 'Demo Analyst', analyst: true },
    ],
  });
  return {
    env: { ...standInGraphEnv(graph), ...teams.env(), NODE_EXTRA_CA_CERTS: tls.certPath, SOC_ANALYSTS: DEMO_ANALYST },
    async stop() {
      await graph.stop();
      await teams.close();
    },
  };
}
