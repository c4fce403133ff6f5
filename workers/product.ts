import type { Worker } from '@temporalio/worker';
import type { WorkerLogger } from './logger';
import { installWorkerTelemetry } from './telemetry';
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
  loadWorkerConfig,
  type IntakeConfig,
  type MetricsConfig,
  type TemporalConfig,
  type TriageConfig,
  type WorkerConfig,
} from '../common/config';
import { loadRuleCatalog, type RuleCatalog } from '../common/rules';
import { loadPostureCatalog } from '../common/posture-catalog';
import type { PostureRoutine } from '../common/posture';
import { loadPostureConfig } from '../common/config/posture';
import { demoRoutines, postureActivities, schedulePosture } from './posture';
import { DEMO_ANALYST } from '../common/demo';
import type { SelectedPorts } from './production-ports';
import type { TemporalHandles } from './temporal-connection';
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

export interface ProductSettings {
  config: TemporalConfig;
  triage: TriageConfig;
  metrics: MetricsConfig;
  intake: IntakeConfig;
  worker: WorkerConfig;
  catalog: RuleCatalog;
  /** The posture catalog's routines; empty with SOC_POSTURE=off. */
  posture: PostureRoutine[];
}

/**
 * Everything a worker process is configured by, read and validated first: a bad value stops start-up with the
 * variable's name before any server is started or contacted.
 */
export function loadProductSettings(options: { requireAddress: boolean }): ProductSettings {
  const config = loadTemporalConfig();
  const triage = loadTriageConfig();
  const metrics = loadMetricsConfig();
  const intake = loadIntakeConfig();
  const worker = loadWorkerConfig();
  const catalog = loadRuleCatalog(triage.rulesFile);
  const postureConfig = loadPostureConfig();
  const posture = postureConfig.enabled ? loadPostureCatalog(postureConfig.file) : [];
  if (options.requireAddress && !config.address) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      'must name the Temporal frontend for a standalone worker (npm start runs an embedded dev server instead)',
    );
  }
  return { config, triage, metrics, intake, worker, catalog, posture };
}

/**
 * The SDK runtime (logging, Prometheus) is installed once per process, before anything connects to Temporal: the
 * first connection instantiates it.
 */
export function installRuntime(settings: ProductSettings, logger: WorkerLogger): void {
  installWorkerTelemetry({ prometheusBind: settings.metrics.prometheusBind, logger: logger.temporal });
}

/** The configured analysts; in demo mode without any, the demo tenant's analyst. */
export function analystsOf(triage: TriageConfig, demo: boolean): string[] {
  return triage.analysts.length ? triage.analysts : demo ? [DEMO_ANALYST] : [];
}

/**
 * The worker and what runs beside it, from its settings, its Temporal connection and its ports (chosen by the entry
 * point: production ports in `main.ts`, the demo's in `start.ts`). Closes the ports and the connection on `close()`.
 */
export async function startProduct(options: {
  log: (line: string) => void;
  settings: ProductSettings;
  temporal: TemporalHandles;
  selectPorts: (context: { analysts: string[] }) => Promise<SelectedPorts>;
}): Promise<Product> {
  const { log, temporal } = options;
  const { config, triage, metrics, intake, catalog, worker: workerConfig } = options.settings;
  // What new alerts are triaged by; it reads the fidelity ledger and never throws (an unreadable ledger promotes nothing).
  const rules = await createPromotionAwareCatalog(temporal.client, catalog, { log });
  let selected: SelectedPorts | undefined;
  try {
    const demoAnalysts = analystsOf(triage, true);
    selected = await options.selectPorts({ analysts: demoAnalysts });
    const { demo, ports, description: portsDescription } = selected;
    let description = portsDescription;
    const analysts = analystsOf(triage, demo);
    const pollIntervalMs = intake.defenderPollIntervalMs;
    const defender = pollIntervalMs ? selected.defenderAlerts : undefined;
    // Pulled alerts and posture findings take the intake's path: same identity, dedupe, correlation and policies.
    const dispatcher = new AlertDispatcher({
      client: temporal.client,
      taskQueue: config.taskQueue,
      rules,
      analysts,
      timeoutMs: intake.temporalTimeoutMs,
      correlationTimeoutMs: intake.correlationTimeoutMs,
      maxInFlight: intake.maxInFlight,
      maxQueued: intake.maxQueued,
      warn: log,
    });
    const defenderActivities = defender
      ? createDefenderFeedActivities({
          feed: defender.feed,
          sink: defenderAlertSink(dispatcher, { upnSuffix: intake.upnSuffix }),
        })
      : {};
    // Schedules and the poller first: a worker once created holds the connection until it has run, so a failure here
    // must come before it for the connection to close.
    let scheduled = '';
    await ensureFidelitySchedule(temporal.client, config.taskQueue, { every: '1h' });
    const routines = demo ? demoRoutines(options.settings.posture) : options.settings.posture;
    if (routines.length)
      scheduled += `; ${await schedulePosture(temporal.client, config.taskQueue, routines, analysts)}`;
    if (defender && pollIntervalMs) {
      await startDefenderPolling(temporal.client, {
        taskQueue: config.taskQueue,
        intervalMs: pollIntervalMs,
        tenant: defender.tenantId,
      });
      scheduled += `; Defender XDR alerts polled every ${pollIntervalMs / 1000} s`;
    } else if (selected.defenderAlerts) {
      if (await stopDefenderPolling(temporal.client, selected.defenderAlerts.tenantId))
        log('Defender XDR polling is off (SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS=0): stopped the running poller');
    }
    const worker = await createTriageWorker({
      connection: temporal.nativeConnection,
      dataConverter: temporal.dataConverter,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      ports,
      ...(workerConfig.workflowBundlePath ? { workflowBundle: { codePath: workerConfig.workflowBundlePath } } : {}),
      ...(workerConfig.deployment ? { deployment: workerConfig.deployment } : {}),
      tuning: {
        maxCachedWorkflows: workerConfig.maxCachedWorkflows,
        ...(workerConfig.maxConcurrentWorkflowTaskExecutions
          ? { maxConcurrentWorkflowTaskExecutions: workerConfig.maxConcurrentWorkflowTaskExecutions }
          : {}),
        ...(workerConfig.maxConcurrentActivityTaskExecutions
          ? { maxConcurrentActivityTaskExecutions: workerConfig.maxConcurrentActivityTaskExecutions }
          : {}),
        workflowThreadPoolSize: workerConfig.workflowThreads,
      },
      extraActivities: {
        ...createFidelityActivities({ client: temporal.client, catalog, taskQueue: config.taskQueue }),
        ...defenderActivities,
        ...postureActivities(ports, dispatcher),
      },
    });
    description += `; ${workerConfig.workflowBundlePath ? `prebuilt workflow bundle ${workerConfig.workflowBundlePath}` : 'workflows bundled at start'}, up to ${workerConfig.maxCachedWorkflows} cached workflows`;
    if (workerConfig.deployment)
      description += `; Worker Deployment ${workerConfig.deployment.deploymentName}, build ${workerConfig.deployment.buildId} (triage cases pinned to it; it runs nothing until it is made current)`;
    description += scheduled;
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
        await selected?.close();
        await temporal.close();
      },
    };
  } catch (err) {
    rules.stop();
    await selected?.close().catch(() => undefined);
    await temporal.close().catch(() => undefined);
    throw err;
  }
}
