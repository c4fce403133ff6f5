import { DefaultLogger, type Worker } from '@temporalio/worker';
import { createDefenderFeedActivities } from '../activities/defender-feed';
import { createFidelityActivities } from '../activities/fidelity';
import { createPromotionAwareCatalog, ensureFidelitySchedule, type PromotionAwareCatalog } from '../client/fidelity';
import { defenderAlertSink, startDefenderPolling, stopDefenderPolling } from '../client/intake/defender-polling';
import { AlertDispatcher } from '../client/intake/dispatch';
import {
  ConfigError,
  loadIntakeConfig,
  loadMetricsConfig,
  loadTemporalConfig,
  loadTriageConfig,
  type TemporalConfig,
} from '../common/config';
import { loadRuleCatalog } from '../common/rules';
import { startTeamsDemo } from '../standins/teams/demo';
import { DEMO_ANALYST } from '../common/demo';
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
  const intake = loadIntakeConfig();
  const catalog = loadRuleCatalog(triage.rulesFile);
  if (options.requireAddress && !config.address) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      'must name the Temporal frontend for a standalone worker (npm start runs an embedded dev server instead)',
    );
  }
  installWorkerTelemetry({ prometheusBind: metrics.prometheusBind, logger: new DefaultLogger(options.logLevel) });

  const temporal = await connectTemporal(config, log);
  // What new alerts are triaged by; it reads the fidelity ledger and never throws (an unreadable ledger promotes nothing).
  const rules = await createPromotionAwareCatalog(temporal.client, catalog, { log });
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
    const pollIntervalMs = intake.defenderPollIntervalMs;
    const defender = pollIntervalMs ? selected.defenderAlerts : undefined;
    const defenderActivities = defender
      ? createDefenderFeedActivities({
          feed: defender.feed,
          // Pulled alerts take the intake's path: same identity, dedupe, correlation and promoted policies.
          sink: defenderAlertSink(
            new AlertDispatcher({
              client: temporal.client,
              taskQueue: config.taskQueue,
              rules,
              analysts,
              timeoutMs: intake.temporalTimeoutMs,
              correlationTimeoutMs: intake.correlationTimeoutMs,
              maxInFlight: intake.maxInFlight,
              maxQueued: intake.maxQueued,
              warn: log,
            }),
            { upnSuffix: intake.upnSuffix },
          ),
        })
      : {};
    const worker = await createTriageWorker({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      ports,
      extraActivities: {
        ...createFidelityActivities({ client: temporal.client, catalog, taskQueue: config.taskQueue }),
        ...defenderActivities,
      },
    });
    await ensureFidelitySchedule(temporal.client, config.taskQueue, { every: '1h' });
    if (defender && pollIntervalMs) {
      await startDefenderPolling(temporal.client, {
        taskQueue: config.taskQueue,
        intervalMs: pollIntervalMs,
        tenant: defender.tenantId,
      });
      description += `; Defender XDR alerts polled every ${pollIntervalMs / 1000} s`;
    } else if (selected.defenderAlerts) {
      if (await stopDefenderPolling(temporal.client, selected.defenderAlerts.tenantId))
        log('Defender XDR polling is off (SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS=0): stopped the running poller');
    }
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
    rules.stop();
    await teamsDemo?.close().catch(() => undefined);
    await selected?.close().catch(() => undefined);
    await temporal.close().catch(() => undefined);
    throw err;
  }
}
