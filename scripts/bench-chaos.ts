/**
 * `npm run bench:chaos`: the crash-loop benchmark. Its own Temporal dev server on a SQLite file (SIGKILLed once
 * mid-run and restarted on the same file and port), the HTTPS Graph stand-in injecting 429s and 503s (before and after
 * the effect), worker processes SIGKILLed every few seconds, about 200 alerts through the intake's dispatcher with
 * users answering and analysts closing cases as false positives; then it checks that a crash lost nothing.
 * Settings: `--alerts 200 --alerts-per-second 2 --workers 2 --kill-min-seconds 3 --kill-max-seconds 8 --no-server-kill
 * --seed 42 --strict …` or CHAOS_* variables (scripts/chaos/options.ts). Prints a table and writes
 * bench-results/chaos-<timestamp>.json; exits 0 on invariant violations unless `--strict`.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { printChaosReport } from './chaos/report';
import { parseChaosOptions } from './chaos/options';
import { runChaos } from './chaos/run';
import { projectRoot } from './servers';

async function main(): Promise<void> {
  const options = parseChaosOptions(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const report = await runChaos(options, log);
  printChaosReport(report, console.log);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtEnd: loadavg() },
    ...report,
  };
  const dir = join(projectRoot, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `chaos-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`Wrote ${file.slice(projectRoot.length + 1)}`);
  if (options.strict && !report.ok) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
