/**
 * The Teams bot endpoint as its own process: `tsx client/teams/main.ts`. Needs TEMPORAL_ADDRESS (or the dev server
 * `npm start` runs on localhost) and the TEAMS_* variables; listens on TEAMS_BOT_HOST:TEAMS_BOT_PORT for
 * POST /api/messages. Put TLS in front of it: the Azure Bot's messaging endpoint must be https.
 */
import { Client, Connection } from '@temporalio/client';
import {
  ConfigError,
  connectionOptions,
  loadGraphConfig,
  loadTeamsConfig,
  loadTemporalConfig,
  loadTriageConfig,
  requireStepUpConfig,
} from '../../common/config';
import { loadRuleCatalog } from '../../common/rules';
import { createConditionalAccessReader } from '../../activities/graph/conditional-access';
import { createStepUp, type StepUp } from './step-up';
import { createGraphPorts } from '../../activities/graph';
import { productDataConverter } from '../codec';
import { cachedAnalystGroup, graphAnalystGroup, type AnalystGroup } from './analyst-group';
import { stopWhenLaunchersExit } from '../process/launcher-watch';
import { listenFailure } from '../process/startup-error';
import { buildBotServer } from './bot';

async function main(): Promise<void> {
  const temporalConfig = loadTemporalConfig();
  const teams = loadTeamsConfig();
  if (!teams)
    throw new ConfigError('TEAMS_APP_ID', 'must be set to run the Teams bot (see the README, "Microsoft Teams")');
  const { analysts, analystGroupId, rulesFile } = loadTriageConfig();
  // Fail closed: rules whose "yes" needs step-up need its configuration, and Graph to check the policy behind it.
  const askingStepUp = loadRuleCatalog(rulesFile)
    .rules.filter((r) => r.policy.mode === 'confirm-with-user' && r.policy.stepUp)
    .map((r) => r.id);
  const stepUpConfig = requireStepUpConfig(process.env, askingStepUp);
  const stepUpGraph = stepUpConfig ? loadGraphConfig() : undefined;
  if (stepUpConfig && !stepUpGraph)
    throw new ConfigError(
      'GRAPH_TENANT_ID',
      'must be set: step-up checks through Microsoft Graph (Policy.Read.All) that a Conditional Access policy enforces SOC_STEPUP_AUTH_CONTEXT',
    );
  if (analysts.length === 0)
    throw new ConfigError('SOC_ANALYSTS', 'must list the analysts allowed to decide on SOC cards');
  let analystGroup: AnalystGroup | undefined;
  if (analystGroupId) {
    const graph = loadGraphConfig();
    if (!graph) throw new ConfigError('SOC_ANALYST_GROUP_ID', 'needs Microsoft Graph (GRAPH_*) to check membership');
    if (!analysts.some((a) => a.toLowerCase() === teams.appId.toLowerCase())) {
      throw new ConfigError(
        'SOC_ANALYSTS',
        `must include the bot's app id (${teams.appId}): group members' decisions reach the workflow as the bot`,
      );
    }
    analystGroup = cachedAnalystGroup(graphAnalystGroup(createGraphPorts(graph).identity, analystGroupId));
  }
  const address = temporalConfig.address ?? `localhost:${temporalConfig.devServerPort}`;
  const dataConverter = productDataConverter(process.env, { demoKeyFile: !temporalConfig.address });
  const connection = await Connection.connect(connectionOptions(temporalConfig, address));
  const temporal = new Client({ connection, namespace: temporalConfig.namespace, dataConverter });
  let stepUp: StepUp | undefined;
  if (stepUpConfig && stepUpGraph) {
    stepUp = await createStepUp({
      config: stepUpConfig,
      temporal,
      policies: createConditionalAccessReader(stepUpGraph),
      log: (ready, line) => (ready.ready ? console.log(line) : console.warn(line)),
    });
  }
  const server = await buildBotServer({
    config: teams,
    temporal,
    analysts,
    analystGroup,
    stepUp,
    logger: { level: 'info' },
  });
  await server.listen({ host: teams.botHost, port: teams.botPort }).catch(async (err: unknown) => {
    await connection.close();
    throw listenFailure(err, {
      what: 'the Teams bot',
      host: teams.botHost,
      port: teams.botPort,
      fix: 'TEAMS_BOT_PORT to a free port',
    });
  });
  console.log(
    `Teams bot listening on http://${teams.botHost}:${teams.botPort}/api/messages (app ${teams.appId}, tenant ${teams.tenantId})`,
  );
  const stop = async () => {
    stepUp?.close();
    await server.close();
    await connection.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  stopWhenLaunchersExit();
}

main().catch((err) => {
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
  process.exit(1);
});
