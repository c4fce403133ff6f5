import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { alertSummary, triageWorkflowId, type Alert } from '../common/alert';
import type { RulePolicy } from '../common/policy';
import {
  DispositionKey,
  RouteKey,
  RuleIdKey,
  SeverityKey,
  SourceKey,
  TriageStateKey,
} from '../common/search-attributes';
import type { RelatedAlert, TriageInput } from '../common/triage';
import { relatedAlertSignal } from '../workflows/messages';
import type { triageWorkflow } from '../workflows/triage';

export interface SubmitAlertOptions {
  alert: Alert;
  policy: RulePolicy;
  analysts: string[];
  taskQueue: string;
  receivedAt?: Date;
  /** Extra memo fields (encoded by the payload codec, unlike search attributes), e.g. the intake's correlation keys. */
  memo?: Record<string, unknown>;
  /** The correlation gate the case may own (see `client/intake/correlation.ts`). */
  correlationGateId?: string;
  /** Told when a duplicate's redelivery could not be recorded on its case (the duplicate is still answered). */
  warn?: (message: string) => void;
}

/** How long a duplicate's answer waits for its redelivery to be recorded; the recording goes on in the background. */
export const REDELIVERY_RECORD_WAIT_MS = 1_000;

export interface SubmitAlertResult {
  workflowId: string;
  /** `duplicate`: a workflow for this alert already exists (running or closed); no second one was started. */
  outcome: 'started' | 'duplicate';
}

function staticDetails(alert: Alert): string {
  const e = alert.entities;
  return [
    `**${alert.title}**`,
    alert.description,
    `Rule \`${alert.ruleId}\` · ${alert.severity} · detected ${alert.detectedAt} · from ${alert.source} (${alert.sourceInstance}, id ${alert.sourceAlertId})`,
    [e.userPrincipalName && `user ${e.userPrincipalName}`, e.host && `host ${e.host}`, e.sourceIp && `IP ${e.sourceIp}`]
      .filter(Boolean)
      .join(' · '),
  ]
    .filter(Boolean)
    .join('\n\n')
    .slice(0, 20_000);
}

/**
 * Starts the triage workflow for an alert, exactly once per alert identity. A redelivery is answered as a duplicate
 * and starts nothing; on a running case it is also recorded, best effort (see `REDELIVERY_RECORD_WAIT_MS`).
 */
export async function submitAlert(client: Client, options: SubmitAlertOptions): Promise<SubmitAlertResult> {
  const { alert, policy, analysts, taskQueue, correlationGateId } = options;
  const workflowId = triageWorkflowId(alert);
  const receivedAt = (options.receivedAt ?? new Date()).toISOString();
  const input: TriageInput = {
    alert,
    policy,
    analysts,
    receivedAt,
    ...(correlationGateId ? { correlationGateId } : {}),
  };
  try {
    await client.workflow.start<typeof triageWorkflow>('triageWorkflow', {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      ...(options.memo ? { memo: options.memo } : {}),
      staticSummary: alertSummary(alert),
      staticDetails: staticDetails(alert),
      typedSearchAttributes: [
        { key: RuleIdKey, value: alert.ruleId },
        { key: SeverityKey, value: alert.severity },
        { key: SourceKey, value: alert.source },
        { key: RouteKey, value: policy.mode },
        { key: TriageStateKey, value: 'enriching' },
        { key: DispositionKey, value: 'undetermined' },
      ],
    });
    return { workflowId, outcome: 'started' };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // The workflow exists: that is the answer. Recording the redelivery is best effort and never turns it into a failure.
    const recorded = recordRelatedAlert(client, workflowId, {
      source: alert.source,
      sourceAlertId: alert.sourceAlertId,
      ruleId: alert.ruleId,
      detectedAt: alert.detectedAt,
      kind: 'redelivery',
      receivedAt,
    }).catch((failure: unknown) => {
      options.warn?.(
        `redelivery of ${workflowId} not recorded on its case: ${(failure as Error)?.message?.split('\n')[0]}`,
      );
    });
    await settledWithin(recorded, REDELIVERY_RECORD_WAIT_MS);
    return { workflowId, outcome: 'duplicate' };
  }
}

/** Resolves when `work` settles or `ms` have passed, whichever comes first. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Signals a related alert to a case; a case that has already closed keeps its record as it is. Resolves to whether the
 * signal reached a running case (false: no such workflow, or it has closed).
 */
export async function recordRelatedAlert(client: Client, workflowId: string, related: RelatedAlert): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).signal(relatedAlertSignal, related);
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return false;
  }
}
