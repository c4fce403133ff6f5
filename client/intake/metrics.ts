import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { AlertOutcome } from './dispatch';
import type { RejectionReason } from './errors';

/** Prometheus metrics of one intake server (its own registry, so several servers can live in one process). */
export class IntakeMetrics {
  readonly registry = new Registry();

  /** Alerts handed to Temporal: a new case, an update or close signalled to one, or attached to a related case. */
  private readonly accepted = new Counter({
    name: 'soc_intake_alerts_accepted_total',
    help: 'Alerts accepted and durably handed to Temporal, by source and outcome (started, related, updated, closed, ignored)',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly duplicates = new Counter({
    name: 'soc_intake_alerts_duplicate_total',
    help: 'Redelivered alerts whose workflow already existed',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly rejected = new Counter({
    name: 'soc_intake_rejected_total',
    help: 'Requests or alerts not accepted, by source and reason (invalid_alert, invalid_credentials, temporal_unavailable, …)',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'soc_intake_request_duration_seconds',
    help: 'Time from request to answer for alert deliveries, by source and HTTP status',
    labelNames: ['source', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'soc_intake_' });
  }

  alert(source: string, outcome: AlertOutcome): void {
    if (outcome === 'duplicate') this.duplicates.inc({ source });
    else this.accepted.inc({ source, outcome });
  }

  reject(source: string, reason: RejectionReason, count = 1): void {
    this.rejected.inc({ source, reason }, count);
  }

  observe(source: string, status: number, seconds: number): void {
    this.latency.observe({ source, status: String(status) }, seconds);
  }
}
