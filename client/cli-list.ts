import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { DispositionKey, RuleIdKey, TriageStateKey } from '../common/search-attributes';
import { triageStates, type TriageState } from '../common/triage';
import { triageCasesClause, visibilityString } from '../common/visibility';
import { localTime, relativeAge } from './metrics/format';
import { ruleLabel, type RuleNamer } from './metrics/rule-names';
import { CliUsageError } from './cli-errors';
import { renderTable, type TableColumn } from './cli-table';

export const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 10_000;

export interface ListFilters {
  state?: TriageState;
  rule?: string;
  limit: number;
}

/** Validates `list`'s options: nothing is asked of Temporal for a filter that could never match. */
export function parseListFilters(values: { state?: string; rule?: string; limit?: string }): ListFilters {
  const { state, rule, limit = String(DEFAULT_LIST_LIMIT) } = values;
  if (state !== undefined && !(triageStates as readonly string[]).includes(state))
    throw new CliUsageError(`--state must be one of ${triageStates.join(', ')}; not "${state}"`);
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIST_LIMIT)
    throw new CliUsageError(`--limit must be a whole number from 1 to ${MAX_LIST_LIMIT}; not "${limit}"`);
  if (rule !== undefined) {
    try {
      visibilityString(rule);
    } catch (err) {
      throw new CliUsageError(`--rule: ${(err as Error).message}`);
    }
  }
  return { state: state as TriageState | undefined, rule, limit: Number(limit) };
}

function listQuery({ state, rule }: ListFilters): string {
  const clauses = [triageCasesClause];
  if (state) clauses.push(`SocTriageState = ${visibilityString(state)}`);
  if (rule !== undefined) clauses.push(`SocRuleId = ${visibilityString(rule)}`);
  return clauses.join(' AND ');
}

const isOrderByUnsupported = (err: unknown) =>
  /order by/i.test(String((err as { cause?: { details?: unknown } })?.cause?.details ?? (err as Error)?.message));

/**
 * The newest `limit` cases. Servers with Elasticsearch visibility sort (`ORDER BY StartTime DESC`); SQL visibility (the
 * dev server, SQLite) refuses ORDER BY and lists closed cases by close time, so every match is read and sorted here.
 */
export async function newestCases(client: Client, filters: ListFilters): Promise<WorkflowExecutionInfo[]> {
  const query = listQuery(filters);
  const cases: WorkflowExecutionInfo[] = [];
  try {
    for await (const info of client.workflow.list({ query: `${query} ORDER BY StartTime DESC` })) {
      cases.push(info);
      if (cases.length >= filters.limit) break;
    }
    return cases;
  } catch (err) {
    if (cases.length > 0 || !isOrderByUnsupported(err)) throw err;
  }
  for await (const info of client.workflow.list({ query, pageSize: 1000 })) cases.push(info);
  return cases.sort((a, b) => b.startTime.getTime() - a.startTime.getTime()).slice(0, filters.limit);
}

const columns: TableColumn[] = [
  { title: 'started' },
  { title: 'age' },
  { title: 'state', max: 16 },
  { title: 'disposition', max: 15 },
  { title: 'rule', max: 40 },
  { title: 'workflow id' },
];

/** `list`: a header, then one aligned line per case, newest first; `no cases` when the query matched none. */
export async function listCommand(
  client: Client,
  filters: ListFilters,
  ruleNames: RuleNamer,
  now = new Date(),
): Promise<string> {
  const cases = await newestCases(client, filters);
  if (cases.length === 0) return 'no cases';
  const ruleOf = (info: WorkflowExecutionInfo) => info.typedSearchAttributes.get(RuleIdKey) ?? '';
  const names = await ruleNames(cases.map((info) => ({ ruleId: ruleOf(info), workflowId: info.workflowId })));
  const rows = cases.map((info) => [
    localTime(info.startTime),
    relativeAge(info.startTime, now),
    info.typedSearchAttributes.get(TriageStateKey) ?? '',
    info.typedSearchAttributes.get(DispositionKey) ?? '',
    ruleLabel(ruleOf(info), names),
    info.workflowId,
  ]);
  return renderTable(columns, rows).join('\n');
}
