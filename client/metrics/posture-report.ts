import type { Client } from '@temporalio/client';
import type { FindingState } from '../../common/posture';
import { RoutineKey, TriageStateKey } from '../../common/search-attributes';
import { visibilityString } from '../../common/visibility';
import { workflowTypes } from '../../common/workflow-types';
import type { MetricsScope } from './records';
import { escapeHtml } from './svg';

/** The posture routines in the report: per routine, findings opened, fixed automatically, fixed by people, open. */

export interface PostureRow {
  routine: string;
  opened: number;
  fixedAutomatically: number;
  fixedByPeople: number;
  undone: number;
  open: number;
}

/** Reads every posture finding in scope from visibility (its SocRoutine and SocTriageState) and counts them. */
export async function postureRows(client: Client, scope: MetricsScope): Promise<PostureRow[]> {
  const clauses = [`WorkflowType = '${workflowTypes.postureFinding}'`];
  if (scope.since) clauses.push(`StartTime >= ${visibilityString(scope.since.toISOString())}`);
  if (scope.until) clauses.push(`StartTime < ${visibilityString(scope.until.toISOString())}`);
  if (scope.taskQueue) clauses.push(`TaskQueue = ${visibilityString(scope.taskQueue)}`);
  const rows = new Map<string, PostureRow>();
  for await (const info of client.workflow.list({ query: clauses.join(' AND '), pageSize: 1000 })) {
    const routine = info.typedSearchAttributes.get(RoutineKey) ?? 'unknown';
    const state = info.typedSearchAttributes.get(TriageStateKey) as FindingState | undefined;
    const row = rows.get(routine) ?? {
      routine,
      opened: 0,
      fixedAutomatically: 0,
      fixedByPeople: 0,
      undone: 0,
      open: 0,
    };
    row.opened++;
    if (state === 'fixed-automatically') row.fixedAutomatically++;
    else if (state === 'fixed-by-people') row.fixedByPeople++;
    else if (state === 'undone') row.undone++;
    else if (info.status.name === 'RUNNING') row.open++;
    rows.set(routine, row);
  }
  return [...rows.values()].sort((a, b) => a.routine.localeCompare(b.routine));
}

export function renderPostureSection(rows: PostureRow[]): string {
  const body = rows.length
    ? `<table class="rules"><thead><tr>${[
        'Routine',
        'Findings opened',
        'Fixed automatically',
        'Fixed by people',
        'Undone',
        'Open',
      ]
        .map((h) => `<th>${h}</th>`)
        .join('')}</tr></thead><tbody>${rows
        .map(
          (r) =>
            `<tr><td>${escapeHtml(r.routine)}</td>${[r.opened, r.fixedAutomatically, r.fixedByPeople, r.undone, r.open]
              .map((v) => `<td>${v}</td>`)
              .join('')}</tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>No posture finding in this period.</p>';
  return `<h2>Posture routines</h2>\n${body}\n`;
}
