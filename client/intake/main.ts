/**
 * The intake on its own (a container beside the workers): `tsx client/intake/main.ts`.
 * Configuration: TEMPORAL_* (common/config/temporal.ts), SOC_INTAKE_* (common/config/intake.ts), SOC_ANALYSTS and
 * SOC_RULES_FILE (common/config/triage.ts). The connection to Temporal is lazy: the intake starts while Temporal is
 * down, answers 503 until it is back, and /readyz says so.
 */
import { Client, Connection } from '@temporalio/client';
import {
  ConfigError,
  connectionOptions,
  loadIntakeConfig,
  loadTemporalConfig,
  loadTriageConfig,
} from '../../common/config';
import { loadRuleCatalog, type RuleCatalog } from '../../common/rules';
import { productDataConverter } from '../codec';
import { createPromotionAwareCatalog, type PromotionAwareCatalog } from '../fidelity';
import { stopWhenLaunchersExit } from '../process/launcher-watch';
import { listenFailure, StartupError } from '../process/startup-error';
import { startIntake } from './start';

export async function main(): Promise<void> {
  const temporal = loadTemporalConfig();
  const intake = loadIntakeConfig();
  const triage = loadTriageConfig();
  const rules = loadRuleCatalog(triage.rulesFile);
  const address = temporal.address ?? `127.0.0.1:${temporal.devServerPort}`;
  const dataConverter = productDataConverter(process.env, { demoKeyFile: !temporal.address });
  const connection = await Connection.lazy(connectionOptions(temporal, address));
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
  // New alerts are triaged by the catalog with the fidelity loop's promotions applied (refreshed every 30 s). Reading
  // them must not hold up listening while Temporal is down: until they arrive, the catalog's own modes apply.
  let policies: Pick<RuleCatalog, 'policyFor'> = rules;
  let promoted: PromotionAwareCatalog | undefined;
  void createPromotionAwareCatalog(client, rules, { log: (line) => console.warn(line) }).then((catalog) => {
    promoted = catalog;
    policies = catalog;
  });
  const running = await startIntake({
    client,
    taskQueue: temporal.taskQueue,
    rules: { policyFor: (ruleId) => policies.policyFor(ruleId) },
    analysts: triage.analysts,
    config: intake,
  }).catch(async (err: unknown) => {
    promoted?.stop();
    await connection.close();
    throw listenFailure(err, {
      what: 'the SIEM intake',
      host: intake.host,
      port: intake.port,
      fix: 'SOC_INTAKE_PORT to a free port',
    });
  });
  running.app.log.info(
    `SIEM intake listening on ${running.url} (Temporal ${address}, namespace ${temporal.namespace}, task queue ${temporal.taskQueue})`,
  );

  const stop = async (signal: string) => {
    running.app.log.info(`${signal}: finishing requests in flight`);
    await running.close();
    promoted?.stop();
    await connection.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  stopWhenLaunchersExit((line) => running.app.log.info(line));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof ConfigError || err instanceof StartupError ? err.message : err);
    process.exit(1);
  });
}
