import { DefaultLogger, Runtime, type Logger } from '@temporalio/worker';
import { listenFailure } from '../client/process/startup-error';
import { caseMetricNames } from '../common/metric-names';

/**
 * The worker's Prometheus endpoint: the SDK's runtime telemetry (`temporal_*`: task latencies, slots, polls, sticky
 * cache…) and the product's own metrics, emitted by the workflows through the same runtime:
 *
 *   soc_alerts_total{rule_id,route}                          alerts by route (auto-contain, confirm-with-user, analyst)
 *   soc_time_to_triage_seconds{rule_id,settled_by}           histogram: receipt → disposition
 *   soc_time_to_contain_seconds{rule_id,settled_by}          histogram: receipt → first containment in place
 *   soc_escalations_total{rule_id,cause}                     cause: no-response, analyst-timeout, routed
 *   soc_alerts_closed_total{rule_id,disposition,settled_by}
 *   soc_shadow_would_contain_total{rule_id}                  shadow mode: alerts automatic containment would have acted on
 *   soc_rule_promotions_total{rule_id,from,to,direction}     promotions and demotions by the fidelity loop
 *   soc_rule_promotion_level{rule_id}                        0 none, 1 shadow, 2 auto-contain (set at each review)
 *   soc_posture_runs_total{routine,outcome}                  posture runs: ok or failed
 *   soc_posture_findings_opened_total{routine}               posture findings opened (one case per routine and subject)
 *   soc_posture_findings_closed_total{routine,outcome}       fixed-automatically, fixed-by-people, undone
 *
 * Workflow metrics are not emitted while a workflow replays, so a worker restart does not count anything twice.
 */

const MINUTE = 60;
const responseBuckets = [
  30,
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  60 * MINUTE,
  4 * 60 * MINUTE,
  24 * 60 * MINUTE,
  7 * 24 * 60 * MINUTE,
];

export const productHistogramBuckets: Record<string, number[]> = {
  [caseMetricNames.timeToTriage]: responseBuckets,
  [caseMetricNames.timeToContain]: responseBuckets,
};

export interface WorkerTelemetryOptions {
  /** host:port for `/metrics`; undefined installs the runtime without a Prometheus endpoint. */
  prometheusBind: string | undefined;
  logger?: Logger;
}

/**
 * Installs the SDK runtime with Prometheus metrics. Call once, first thing in the worker process: before any
 * `NativeConnection` or `Worker` is created (the runtime can be installed only once per process).
 */
export function installWorkerTelemetry(options: WorkerTelemetryOptions): Runtime {
  try {
    return installRuntime(options);
  } catch (err) {
    const bind = options.prometheusBind ?? '';
    const colon = bind.lastIndexOf(':');
    throw listenFailure(err, {
      what: 'the Prometheus metrics endpoint',
      host: bind.slice(0, colon),
      port: Number(bind.slice(colon + 1)),
      fix: 'SOC_METRICS_BIND to a free host:port, or off',
    });
  }
}

function installRuntime(options: WorkerTelemetryOptions): Runtime {
  return Runtime.install({
    logger: options.logger ?? new DefaultLogger('INFO'),
    telemetryOptions: {
      // The native core's lines go through the same logger (JSON, redacted), not straight to the console.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(options.prometheusBind
        ? {
            metrics: {
              prometheus: {
                bindAddress: options.prometheusBind,
                useSecondsForDurations: true,
                histogramBucketOverrides: productHistogramBuckets,
              },
            },
          }
        : {}),
    },
  });
}
