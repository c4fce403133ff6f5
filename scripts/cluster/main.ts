/**
 * `npm run cluster`: the production topology on this machine — PostgreSQL, the Temporal server on it, two workers and
 * two intakes — with a local stand-in of Microsoft Graph and Defender unless GRAPH_TENANT_ID is set. Prints the
 * addresses; Ctrl-C (or SIGTERM) stops everything it started. Data stays in .temporal/cluster across runs.
 */
import { ensureDemoCodecKeyFile } from '../../client/codec';
import { join } from 'node:path';
import { parseVar, wholeNumber, ConfigError } from '../../common/config/env';
import { stopWhenLaunchersExit } from '../../client/process/launcher-watch';
import { DEMO_ANALYST } from '../../common/demo';
import { demoSeed } from '../../activities/in-memory/seed';
import { graphDemoSeed, standInGraphEnv, startGraphStandIn, type GraphStandIn } from '../../standins/graph';
import { startTeamsStandIn, type TeamsStandIn } from '../../standins/teams/standin';
import { relaunchTrustingStandIn, standInCertificate, trustsStandIn } from '../../standins/graph/demo';
import { temporalDir } from '../servers';
import { ClusterUnavailableError, startCluster, type Cluster } from './index';

const log = (line: string) => console.log(line);
const count = wholeNumber(1, 16);

async function main(): Promise<void> {
  const workers = parseVar(process.env, 'SOC_CLUSTER_WORKERS', count, 2)!;
  const intakes = parseVar(process.env, 'SOC_CLUSTER_INTAKES', count, 2)!;
  let standIn: GraphStandIn | undefined;
  let teams: TeamsStandIn | undefined;
  let productEnv: Record<string, string> = {};
  if (!process.env.GRAPH_TENANT_ID) {
    // One stand-in shared by every worker: the same demo tenant, whichever worker runs an action or its undo.
    const tls = await standInCertificate(join(temporalDir, 'tls'));
    if (!trustsStandIn(tls.certPath)) return relaunchTrustingStandIn(tls.certPath);
    standIn = await startGraphStandIn({ tls, seed: graphDemoSeed(), machineActionDelayMs: 3_000 });
    // The workers are production workers: they talk to Teams (here its local stand-in) or do not start.
    teams = await startTeamsStandIn({
      tls,
      users: [
        ...demoSeed().users.map((u) => ({ id: u.id, name: u.displayName, upn: u.userPrincipalName })),
        { id: DEMO_ANALYST, name: 'Demo Analyst', analyst: true },
      ],
    });
    productEnv = {
      ...standInGraphEnv(standIn),
      ...(process.env.TEAMS_APP_ID ? {} : teams.env()),
      NODE_EXTRA_CA_CERTS: tls.certPath,
      SOC_ANALYSTS: process.env.SOC_ANALYSTS ?? DEMO_ANALYST,
    };
  }
  // Without configured keys, the demo key (kept in .temporal/) encrypts the cluster's payloads across runs.
  const demoKey = ensureDemoCodecKeyFile();
  if (demoKey) process.env.SOC_CODEC_KEY_FILE = demoKey;
  log('Starting PostgreSQL, the Temporal server, the workers and the intakes…');
  const starting = startCluster({ workers, intakes, productEnv, log });
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping the intakes, the workers, the Temporal server and PostgreSQL…`);
    // A start still under way finishes first (or fails and cleans up), so nothing it started is left behind.
    await (await starting.catch(() => undefined))?.stop();
    await standIn?.stop();
    await teams?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  stopWhenLaunchersExit(log);
  let cluster: Cluster;
  try {
    cluster = await starting;
  } catch (err) {
    await standIn?.stop();
    await teams?.close();
    throw err;
  }
  if (stopping) return;
  log('');
  log(`Temporal frontend (PostgreSQL ${cluster.postgresPort}, SQL visibility): ${cluster.temporalAddress}`);
  log(`Namespace ${cluster.namespace} · task queue ${cluster.taskQueue}`);
  for (const worker of cluster.workers) log(`${worker.name}: pid ${worker.pid}, log ${worker.logFile}`);
  for (const [i, url] of cluster.intakeUrls.entries()) log(`intake-${i + 1}: ${url}/v1/alerts/{source}`);
  log(`Intake token (Authorization: Bearer): ${cluster.intakeToken}`);
  if (standIn) log(`Microsoft Graph and Defender: demo tenant served by a local stand-in at ${standIn.url}`);
  if (teams) log(`Microsoft Teams: a local Bot Connector stand-in at ${teams.url} (answer with npm run soc -- answer)`);
  log(`Server log: ${cluster.server.logFile}`);
  log('Try it:');
  log(`  TEMPORAL_ADDRESS=${cluster.temporalAddress} npm run soc -- demo-alert --ransomware`);
  log(`  TEMPORAL_ADDRESS=${cluster.temporalAddress} npm run soc -- list`);
  log('Stop with Ctrl-C.');
}

main().catch((err) => {
  console.error(err instanceof ClusterUnavailableError || err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
