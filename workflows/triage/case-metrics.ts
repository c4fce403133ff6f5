import * as wf from '@temporalio/workflow';
import { caseMetricNames } from '../../common/metric-names';
import type { CaseState } from '../../common/triage';

/**
 * The product's own Prometheus metrics, derived from how a case's state changes. Called from the triage workflow each
 * time it publishes its state; emitted through the worker's runtime (nothing is emitted while a workflow replays).
 * Metric names are listed in `workers/telemetry.ts`, which sets their histogram buckets.
 */

interface Seen {
  escalations: number;
  triaged: boolean;
  contained: boolean;
  closed: boolean;
  shadow: boolean;
}

/** Keyed by the case object itself, so workflows sharing a sandbox never see each other's progress. */
const seen = new WeakMap<CaseState, Seen>();

function snapshot(state: CaseState): Seen {
  return {
    escalations: state.escalations.length,
    triaged: Boolean(state.triagedAt),
    contained: Boolean(state.containedAt),
    closed: state.triageState === 'closed',
    shadow: Boolean(state.wouldHaveContained),
  };
}

/** `no-response`: the user did not answer in time; `analyst-timeout`: analysts were silent; `routed`: any other. */
export function escalationCause(reason: string): 'no-response' | 'analyst-timeout' | 'routed' {
  if (reason === 'no response') return 'no-response';
  if (reason.startsWith('no analyst decision')) return 'analyst-timeout';
  return 'routed';
}

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

export function recordCaseMetrics(state: CaseState): void {
  const meter = wf.metricMeter;
  const rule = { rule_id: state.alert.ruleId };
  let last = seen.get(state);
  if (!last) {
    // A run continued as new carries a case whose earlier events were counted by the run before it.
    const continued = wf.workflowInfo().continuedFromExecutionRunId !== undefined;
    last = continued
      ? snapshot(state)
      : { escalations: 0, triaged: false, contained: false, closed: false, shadow: false };
    if (!continued)
      meter
        .createCounter(caseMetricNames.alerts, 'alerts', 'Alerts triaged, by rule and route')
        .add(1, { ...rule, route: state.route });
    seen.set(state, last);
  }
  const now = snapshot(state);
  if (now.shadow && !last.shadow) {
    meter
      .createCounter(
        caseMetricNames.shadowWouldContain,
        'alerts',
        'Alerts shadow mode would have contained automatically',
      )
      .add(1, rule);
  }
  if (now.triaged && !last.triaged) {
    meter
      .createHistogram(
        caseMetricNames.timeToTriage,
        'float',
        's',
        'From receipt to a disposition (user, automation or analyst)',
      )
      .record(seconds(state.receivedAt, state.triagedAt!), { ...rule, settled_by: state.settledBy ?? 'unknown' });
  }
  if (now.contained && !last.contained) {
    meter
      .createHistogram(caseMetricNames.timeToContain, 'float', 's', 'From receipt to the first containment in place')
      .record(seconds(state.receivedAt, state.containedAt!), { ...rule, settled_by: state.settledBy ?? 'unknown' });
  }
  for (const escalation of state.escalations.slice(last.escalations)) {
    meter
      .createCounter(caseMetricNames.escalations, 'escalations', 'Escalations to analysts, by cause')
      .add(1, { ...rule, cause: escalationCause(escalation.reason) });
  }
  if (now.closed && !last.closed) {
    meter
      .createCounter(caseMetricNames.closed, 'alerts', 'Closed alerts, by disposition and who settled them')
      .add(1, { ...rule, disposition: state.disposition, settled_by: state.settledBy ?? 'unknown' });
  }
  seen.set(state, now);
}
