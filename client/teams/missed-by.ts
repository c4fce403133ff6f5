import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { MISSED_BY_INPUT } from '../../activities/teams/missed-by-card';
import { caseStateQuery } from '../../common/messages/triage';
import type { CaseState } from '../../common/triage';
import { recordMissedDetection } from '../exercise';

/**
 * "Should have been caught by…" from the SOC card: the rules the analyst named become one missed-detection record,
 * found in this case. Its id is the case's and the rules': the same click twice (or two analysts naming the same
 * rules) is one record.
 */

const ruleId = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((id) => !(id.includes("'") && id.includes('"')), 'a rule id cannot hold both quote characters');

/** The input's value (comma-separated, as Teams sends a multi-select too) as rule ids, or why not. */
export function missedByRules(raw: unknown): { rules: string[] } | { problem: string } {
  const value = (raw as Record<string, unknown> | undefined)?.[MISSED_BY_INPUT];
  const parts =
    typeof value === 'string'
      ? value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : [];
  if (parts.length === 0) return { problem: 'Name the rule that should have caught this case' };
  const parsed = z
    .array(ruleId)
    .max(10)
    .safeParse([...new Set(parts)]);
  if (!parsed.success) return { problem: 'Name at most 10 rule ids, each up to 200 characters' };
  return { rules: parsed.data };
}

/** The record's id: one per case and set of rules. */
export function missedFromCaseId(workflowId: string, rules: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([workflowId, [...rules].sort()]))
    .digest('hex')
    .slice(0, 24);
}

export async function recordMissedFromCase(
  temporal: Client,
  request: { workflowId: string; rules: string[]; by: string; receivedAt: Date; deadlineMs: number },
): Promise<{ outcome: 'recorded' | 'duplicate'; state?: CaseState }> {
  const handle = temporal.workflow.getHandle(request.workflowId);
  const within = <T>(fn: () => Promise<T>) => temporal.withDeadline(Date.now() + request.deadlineMs, fn);
  // The record goes to the case's own task queue, where a worker completes it.
  const [description, state] = await Promise.all([
    within(() => handle.describe()),
    within(() => handle.query(caseStateQuery)).catch(() => undefined),
  ]);
  const rules = [...request.rules].sort();
  const id = createHash('sha256')
    .update(JSON.stringify([request.workflowId, rules]))
    .digest('hex')
    .slice(0, 24);
  const { outcome } = await recordMissedDetection(temporal, description.taskQueue, {
    id,
    rules,
    at: state?.alert.detectedAt ?? description.startTime.toISOString(),
    note: `found in case ${request.workflowId}; recorded from the Teams SOC card`,
    by: request.by,
    caseWorkflowId: request.workflowId,
  });
  return { outcome, state };
}
