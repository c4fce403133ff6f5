/** The metrics commands' usage, apart from their code: the CLI prints it without loading them. */
export const DEFAULT_REPORT_PATH = 'reports/triage-report.html';

export const metricsUsage = `Usage: soc metrics [--since 30d|ISO|all] [--until ISO] [--rule ID]... [--task-queue Q] [--json]
       soc report  [--since 30d|ISO|all] [--until ISO] [--rule ID]... [--task-queue Q] [--out ${DEFAULT_REPORT_PATH}]`;
