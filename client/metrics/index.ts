export {
  runMetricsCommand,
  runReportCommand,
  metricsUsage,
  UsageError,
  DEFAULT_REPORT_PATH,
  type CommandIo,
} from './commands';
export { computeMetrics, type MetricsReport, type RuleMetrics, type Distribution } from './compute';
export { listCaseRecords, type CaseRecord, type MetricsScope } from './records';
export { renderReportHtml } from './report-html';
export { renderMetricsTable } from './table';
export { ruleNamer, ruleLabel, type RuleNamer } from './rule-names';
export { localTime, relativeAge } from './format';
