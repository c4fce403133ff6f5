import { DefaultLogger, type Worker } from '@temporalio/worker';
import { createFidelityActivities } from '../activities/fidelity';
import { createPromotionAwareCatalog, ensureFidelitySchedule, type PromotionAwareCatalog } from '../client/fidelity';
import {
  ConfigError,
  loadMetricsConfig,
  loadTemporalConfig,
  loadTriageConfig,
  type TemporalConfig,
} from '../common/config';
import { loadRuleCatalog } from '../common/rules';
import { startTeamsDemo } from '../standins/teams/demo';
import { DEMO_ANALYST } from './demo';
import { selectPorts, type SelectedPorts } from './ports';
import { installWorkerTelemetry } from './telemetry';
import { connectTemporal, type TemporalHandles } from './temporal-connection';
import { createTriageWorker } from './worker';

export interface Product {
  config: TemporalConfig;
  temporal: TemporalHandles;
  worker: Worker;
  /** The YAML catalog with the fidelity loop's promotions applied; what new alerts are triaged by. */
  rules: PromotionAwareCatalog;
  analysts: string[];
  demo: boolean;
  description: string;
  prometheus: string | undefined;
  /** Stops what `startProduct` started (not the worker: `worker.run()` returns once it has shut down). */
  close(): Promise<void>;
}

/**
 * Everything a worker process needs, in the order that fails fastest: configuration and the rule catalog are read and
 * validated before any server is started or contacted.
 */
export async function startProduct(options: {
  log: (line: string) => void;
  requireAddress: boolean;
  logLevel: 'INFO' | 'WARN';
}): Promise<Product> {
  const { log } = options;
  const config = loadTemporalConfig();
  const triage = loadTriageConfig();
  const metrics = loadMetricsConfig();
  const catalog = loadRuleCatalog(triage.rulesFile);
  if (options.requireAddress && !config.address) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      'must name the Temporal frontend for a standalone worker (npm start runs an embedded dev server instead)',
    );
  }
  installWorkerTelemetry({ prometheusBind: metrics.prometheusBind, logger: new DefaultLogger(options.logLevel) });

  const temporal = await connectTemporal(config, log);
  let teamsDemo: Awaited<ReturnType<typeof startTeamsDemo>> | undefined;
  let selected: SelectedPorts | undefined;
  try {
    selected = await selectPorts({ log });
    const { demo } = selected;
    let { ports, description } = selected;
    const analysts = triage.analysts.length ? triage.analysts : demo ? [DEMO_ANALYST] : [];
    if (demo && process.env.SOC_DEMO_TEAMS === '1') {
      teamsDemo = await startTeamsDemo({ temporal: temporal.client, analysts, identity: ports.identity });
      ports = { ...ports, messenger: teamsDemo.messenger };
      description += '; Microsoft Teams played by a local stand-in';
      teamsDemo.instructions.forEach(log);
    }
    const worker = await createTriageWorker({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      ports,
      extraActivities: createFidelityActivities({ client: temporal.client, catalog, taskQueue: config.taskQueue }),
    });
    await ensureFidelitySchedule(temporal.client, config.taskQueue, { every: '1h' });
    const rules = await createPromotionAwareCatalog(temporal.client, catalog, { log });
    return {
      config,
      temporal,
      worker,
      rules,
      analysts,
      demo,
      description,
      prometheus: metrics.prometheusBind,
      async close() {
        rules.stop();
        await teamsDemo?.close();
        await selected?.close();
        await temporal.close();
      },
    };
  } catch (err) {
    await teamsDemo?.close().catch(() => undefined);
    await selected?.close().catch(() => undefined);
    await temporal.close().catch(() => undefined);
    throw err;
  }
}
