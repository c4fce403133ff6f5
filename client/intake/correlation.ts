import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Alert } from '../../common/alert';
import { grpcCodeOf, isUnavailableCode } from './temporal-errors';

/**
 * Finds the open case for the same rule and the same user, so a second alert attaches to it instead of asking the
 * user again.
 *
 * Each case started by the intake carries correlation keys in its memo: a hash of (rule, user id) for each way the
 * alert names the user. The hash, not the user, because memos are shown in the Web UI; search attributes, which are
 * stored in plain text, carry only the rule id. Lookup:
 *  1. a bounded map of cases this process started recently (exact even before visibility catches up);
 *  2. a visibility query — running triage workflows of the rule on this task queue — whose memos are compared.
 * A candidate is confirmed by signalling it: a case that has closed meanwhile refuses the signal.
 */

export const CORRELATION_MEMO = 'socCorrelation';

export function correlationKeysOf(alert: Alert): string[] {
  const ids = [alert.entities.userObjectId, alert.entities.userPrincipalName].filter((id): id is string => Boolean(id));
  return ids.map((id) =>
    createHash('sha256').update(`${alert.ruleId}\n${id.toLowerCase()}`).digest('hex').slice(0, 32),
  );
}

/** Characters that cannot appear in a visibility query's quoted string without ambiguity. */
const unquotable = /["\\\r\n]/;
const quote = (value: string) => `'${value.replace(/'/g, "\\'")}'`;

export interface CorrelatorOptions {
  client: Client;
  taskQueue: string;
  /** Cases remembered in this process (most recent first out when full). */
  maxRemembered?: number;
  /** Most running cases of one rule a visibility lookup reads. */
  scanLimit?: number;
  warn?: (message: string) => void;
}

export class CaseCorrelator {
  private readonly recent = new Map<string, string>();
  private visibilityWorks = true;

  constructor(private readonly options: CorrelatorOptions) {}

  memo(alert: Alert): Record<string, unknown> {
    return { [CORRELATION_MEMO]: correlationKeysOf(alert) };
  }

  remember(alert: Alert, workflowId: string): void {
    const max = this.options.maxRemembered ?? 10_000;
    for (const key of correlationKeysOf(alert)) {
      this.recent.delete(key);
      this.recent.set(key, workflowId);
      if (this.recent.size > max) this.recent.delete(this.recent.keys().next().value!);
    }
  }

  forget(workflowId: string): void {
    for (const [key, id] of this.recent) if (id === workflowId) this.recent.delete(key);
  }

  /** The workflow id of a running case for the alert's rule and user, other than `ownWorkflowId`. */
  async findOpenCase(alert: Alert, ownWorkflowId: string): Promise<string | undefined> {
    const keys = correlationKeysOf(alert);
    for (const key of keys) {
      const known = this.recent.get(key);
      if (known && known !== ownWorkflowId) return known;
    }
    return this.visibilityLookup(alert, keys, ownWorkflowId);
  }

  private async visibilityLookup(alert: Alert, keys: string[], ownWorkflowId: string): Promise<string | undefined> {
    const { client, taskQueue, scanLimit = 200 } = this.options;
    if (!this.visibilityWorks || keys.length === 0 || unquotable.test(alert.ruleId) || unquotable.test(taskQueue))
      return undefined;
    const query = [
      `WorkflowType = 'triageWorkflow'`,
      `ExecutionStatus = 'Running'`,
      `TaskQueue = ${quote(taskQueue)}`,
      `SocRuleId = ${quote(alert.ruleId)}`,
    ].join(' AND ');
    let scanned = 0;
    try {
      for await (const execution of client.workflow.list({ query, pageSize: 100 })) {
        const memoKeys = execution.memo?.[CORRELATION_MEMO];
        if (
          execution.workflowId !== ownWorkflowId &&
          Array.isArray(memoKeys) &&
          memoKeys.some((k) => keys.includes(k as string))
        ) {
          return execution.workflowId;
        }
        if (++scanned >= scanLimit) break;
      }
    } catch (err) {
      const code = grpcCodeOf(err);
      if (code !== undefined && !isUnavailableCode(code) && code !== 8) {
        // A server without advanced visibility or without the search attribute: correlate within this process only.
        this.visibilityWorks = false;
        this.options.warn?.(`visibility lookups for related cases are off: ${(err as Error).message}`);
        return undefined;
      }
      throw err;
    }
    return undefined;
  }
}
