import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import {
  ClosedAtKey,
  ContainedAtKey,
  DispositionKey,
  QuestionOutcomeKey,
  RouteKey,
  RuleIdKey,
  SettledByKey,
  TriagedAtKey,
  TriageStateKey,
  WouldContainKey,
} from '../../common/search-attributes';
import { triageCasesClause, visibilityString } from '../../common/visibility';

/** One alert's triage case as visibility sees it: its search attributes plus the workflow's StartTime. */
export interface CaseRecord {
  workflowId: string;
  ruleId: string;
  /** Workflow StartTime = when the alert was received. */
  receivedAt: Date;
  running: boolean;
  triageState?: string;
  disposition?: string;
  route?: string;
  settledBy?: string;
  triagedAt?: Date;
  containedAt?: Date;
  closedAt?: Date;
  questionOutcome?: string;
  wouldContain: boolean;
}

export interface MetricsScope {
  since?: Date;
  until?: Date;
  /** Only these rules (all when empty). */
  rules?: string[];
  /** Only cases on this task queue (for deployments that share a namespace). */
  taskQueue?: string;
}

export function scopeQuery(scope: MetricsScope): string {
  const clauses = [triageCasesClause];
  if (scope.since) clauses.push(`StartTime >= ${visibilityString(scope.since.toISOString())}`);
  if (scope.until) clauses.push(`StartTime < ${visibilityString(scope.until.toISOString())}`);
  if (scope.rules?.length) clauses.push(`SocRuleId IN (${scope.rules.map(visibilityString).join(', ')})`);
  if (scope.taskQueue) clauses.push(`TaskQueue = ${visibilityString(scope.taskQueue)}`);
  return clauses.join(' AND ');
}

export function toCaseRecord(info: WorkflowExecutionInfo): CaseRecord {
  const sa = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    ruleId: sa.get(RuleIdKey) ?? '(unknown rule)',
    receivedAt: info.startTime,
    running: info.status.name === 'RUNNING',
    triageState: sa.get(TriageStateKey),
    disposition: sa.get(DispositionKey),
    route: sa.get(RouteKey),
    settledBy: sa.get(SettledByKey),
    triagedAt: sa.get(TriagedAtKey),
    containedAt: sa.get(ContainedAtKey),
    closedAt: sa.get(ClosedAtKey),
    questionOutcome: sa.get(QuestionOutcomeKey),
    wouldContain: sa.get(WouldContainKey) === true,
  };
}

/** Lists open and closed triage workflows in scope. */
export async function listCaseRecords(client: Client, scope: MetricsScope): Promise<CaseRecord[]> {
  const records: CaseRecord[] = [];
  for await (const info of client.workflow.list({ query: scopeQuery(scope), pageSize: 1000 }))
    records.push(toCaseRecord(info));
  return records;
}
