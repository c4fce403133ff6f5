import { invariantNames, type Lateness } from './invariants';
import { LATENESS_GOAL_MS, type ChaosReport } from './run';

const seconds = (ms: number) => +(ms / 1000).toFixed(1);
const latenessRow = (what: string, l: Lateness) => ({
  measurement: what,
  samples: l.samples,
  'p50 s': seconds(l.p50Ms),
  'p99 s': seconds(l.p99Ms),
  'max s': seconds(l.maxMs),
});

/** The run's table: one row per invariant (goal 0), then escalation lateness, then what the chaos did. */
export function printChaosReport(report: ChaosReport, print: (line: string) => void): void {
  const { invariants, chaos } = report;
  print('');
  print(`Crash-loop benchmark ${report.run}: ${report.options.alerts} alerts in ${report.durationSeconds} s`);
  console.table(
    invariantNames.map((name) => ({
      invariant: name,
      count: invariants.counts[name],
      example: invariants.examples[name]?.[0] ?? '',
    })),
  );
  console.table([
    latenessRow('escalation lateness, all', invariants.escalationLateness.all),
    latenessRow('outside the server outage (goal p99 < 30 s)', invariants.escalationLateness.outsideOutage),
    latenessRow('deadline during the outage', invariants.escalationLateness.duringOutage),
  ]);
  print(
    `Chaos: ${chaos.workerKills} worker SIGKILLs (${chaos.workerStarts} starts, ${chaos.workerFailedStarts} failed), ` +
      `${chaos.faultsServed} Graph faults served ${JSON.stringify(chaos.faultsInjected)}` +
      (chaos.serverOutage ? `, Temporal server down ${chaos.serverOutage.seconds} s` : ', no server kill'),
  );
  print(`Deliveries ${JSON.stringify(report.deliveries)}, redeliveries ${JSON.stringify(report.redeliveries)}`);
  print(`Answers ${JSON.stringify(report.answers)}`);
  print(`Decisions ${JSON.stringify(report.decisions)}`);
  print(
    `Settled: ${report.settled.all ? 'all' : `${report.settled.unsettled} not`} after ${report.settled.seconds} s; stray workflows ${report.strayWorkflows}`,
  );
  const violated = invariantNames.filter((n) => invariants.counts[n] > 0);
  const late = invariants.escalationLateness.outsideOutage.p99Ms >= LATENESS_GOAL_MS;
  print(
    report.ok
      ? 'Every invariant held.'
      : `Violated: ${[...violated, ...(late ? ['escalation lateness p99 ≥ 30 s'] : [])].join(', ')}`,
  );
}
