import * as wf from '@temporalio/workflow';
import { postureMetricNames } from '../../common/metric-names';
import type { FindingState, PostureRunResult } from '../../common/posture';

/** The posture routines' Prometheus counters, emitted through the worker's runtime (never while replaying). */

export function recordRun(result: PostureRunResult): void {
  wf.metricMeter
    .createCounter(postureMetricNames.runs, 'runs', 'Posture routine runs, by routine and outcome')
    .add(1, { routine: result.routineId, outcome: result.failed ? 'failed' : 'ok' });
}

export function recordFindingOpened(routine: string): void {
  wf.metricMeter
    .createCounter(postureMetricNames.findingsOpened, 'findings', 'Posture findings opened, by routine')
    .add(1, { routine });
}

export function recordFindingClosed(routine: string, outcome: FindingState): void {
  wf.metricMeter
    .createCounter(postureMetricNames.findingsClosed, 'findings', 'Posture findings closed, by routine and outcome')
    .add(1, { routine, outcome });
}
