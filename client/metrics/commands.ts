import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { parseDuration } from '../../common/duration';
import { readPromotionLedger } from '../../activities/fidelity';
import { computeMetrics, type MetricsReport } from './compute';
import { EXERCISE_ROUTE } from '../../common/exercise';
import { listRecallRecords, withRecall } from './recall';
import { listCaseRecords, type CaseRecord, type MetricsScope } from './records';
import { renderReportHtml } from './report-html';
import type { RuleNamer } from './rule-names';
import { renderMetricsTable } from './table';
import { postureRows } from './posture-report';
import { DEFAULT_REPORT_PATH, metricsUsage } from './usage';

export interface CommandIo {
  out(text: string): void;
  now?: Date;
  /** Names the rules in the table (the CLI's: catalog, else the cases' own alert names); by id without it. */
  ruleNames?: RuleNamer;
}

const stdout: CommandIo = { out: (text) => void process.stdout.write(text) };

export class UsageError extends Error {
  override name = 'UsageError';
}

export { DEFAULT_REPORT_PATH, metricsUsage };

function parseTime(flag: string, value: string, now: Date): Date {
  const ago = parseDuration(value);
  if (ago !== undefined) return new Date(now.getTime() - ago);
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`${flag} must be a duration like 7d or an ISO time, not "${value}"\n${metricsUsage}`);
  return at;
}

function parseScope(argv: string[], now: Date, extra: { out?: boolean; json?: boolean }) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        since: { type: 'string', default: '30d' },
        until: { type: 'string' },
        rule: { type: 'string', multiple: true },
        'task-queue': { type: 'string' },
        ...(extra.json ? { json: { type: 'boolean', default: false } } : {}),
        ...(extra.out ? { out: { type: 'string', default: DEFAULT_REPORT_PATH } } : {}),
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${metricsUsage}`);
  }
  const v = parsed.values as {
    since: string;
    until?: string;
    rule?: string[];
    'task-queue'?: string;
    json?: boolean;
    out?: string;
  };
  const scope: MetricsScope = {
    since: v.since === 'all' ? undefined : parseTime('--since', v.since, now),
    until: v.until ? parseTime('--until', v.until, now) : undefined,
    rules: v.rule
      ?.flatMap((r) => r.split(','))
      .map((r) => r.trim())
      .filter(Boolean),
    taskQueue: v['task-queue'],
  };
  return { scope, json: v.json ?? false, out: v.out };
}

async function gather(
  client: Client,
  scope: MetricsScope,
  now: Date,
): Promise<{ report: MetricsReport; records: CaseRecord[] }> {
  const [allRecords, promotions, recallRecords] = await Promise.all([
    listCaseRecords(client, scope),
    readPromotionLedger(client),
    listRecallRecords(client, scope),
  ]);
  const records = allRecords.filter((r) => r.route !== EXERCISE_ROUTE);
  const computed = computeMetrics(records, {
    now,
    promotions,
    scope: {
      since: scope.since?.toISOString(),
      until: scope.until?.toISOString(),
      rules: scope.rules,
      taskQueue: scope.taskQueue,
    },
  });
  return { report: withRecall(computed, recallRecords, scope.rules), records };
}

/** `soc metrics`: prints the per-rule table (or JSON with `--json`). Returns the report it printed. */
export async function runMetricsCommand(
  argv: string[],
  client: Client,
  io: CommandIo = stdout,
): Promise<MetricsReport> {
  const now = io.now ?? new Date();
  const { scope, json } = parseScope(argv, now, { json: true });
  const { report, records } = await gather(client, scope, now);
  if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(renderMetricsTable(report, await io.ruleNames?.(records)));
  return report;
}

/** `soc report`: writes the self-contained HTML report and prints where. Returns the file's path. */
export async function runReportCommand(argv: string[], client: Client, io: CommandIo = stdout): Promise<string> {
  const now = io.now ?? new Date();
  const { scope, out } = parseScope(argv, now, { out: true });
  const { report, records } = await gather(client, scope, now);
  const path = resolve(out ?? DEFAULT_REPORT_PATH);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    renderReportHtml(report, records, await io.ruleNames?.(records), await postureRows(client, scope)),
  );
  io.out(`Wrote ${path} (${report.overall.alerts} alerts, ${report.rules.length} rules). Open it in a browser.\n`);
  return path;
}
