import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
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
import type { AnalystDecision, RelatedAlert, TriageInput } from '../common/triage';
import {
  analystDecisionSignal,
  answerQuestionSignal,
  relatedAlertSignal,
  requestOutcomeQuery,
  type UserAnswerRequest,
} from '../common/messages/triage';
import type { triageWorkflow } from '../workflows/triage/workflow';
import { workflowTypes } from '../common/workflow-types';

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
    await client.workflow.start<typeof triageWorkflow>(workflowTypes.triage, {
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

// ---- answers and decisions ----------------------------------------------------------------------------------------

/**
 * What became of an answer or decision: `applied`, `accepted` (queued) or `refused` (with the workflow's reason), as the
 * workflow recorded it; `pending` when no worker answered in time: Temporal holds the request, and it takes effect when
 * workers return; `closed` / `not-found` when there is no running case to send it to.
 */
export interface SendOutcome {
  status: 'applied' | 'accepted' | 'refused' | 'pending' | 'closed' | 'not-found';
  reason?: string;
  result?: string;
}

export interface SendOptions {
  /** Stable across the caller's own retries: a retry with the same id takes effect at most once. */
  requestId: string;
  /** When the trusted caller received the request (an answer's timeliness is judged by it); default now. */
  sentAt?: Date;
  /** How long to wait for the workflow's outcome before answering `pending`; default 3 s. */
  waitMs?: number;
}

const SIGNAL_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 1_000;
const POLL_INTERVAL_MS = 100;

/** The affected user's answer, as a Signal (durable even with no worker up); then its outcome, if known soon. */
export function sendAnswer(
  client: Client,
  workflowId: string,
  answer: UserAnswerRequest,
  options: SendOptions,
): Promise<SendOutcome> {
  const sentAt = (options.sentAt ?? new Date()).toISOString();
  return sendRequest(client, workflowId, options, (handle) =>
    handle.signal(answerQuestionSignal, { ...answer, requestId: options.requestId, sentAt }),
  );
}

/** An analyst's decision, as a Signal (durable even with no worker up); then its outcome, if known soon. */
export function sendDecision(
  client: Client,
  workflowId: string,
  decision: AnalystDecision,
  options: SendOptions,
): Promise<SendOutcome> {
  const sentAt = (options.sentAt ?? new Date()).toISOString();
  return sendRequest(client, workflowId, options, (handle) =>
    handle.signal(analystDecisionSignal, { ...decision, requestId: options.requestId, sentAt }),
  );
}

async function sendRequest(
  client: Client,
  workflowId: string,
  { requestId, waitMs = 3_000 }: SendOptions,
  send: (handle: WorkflowHandle) => Promise<void>,
): Promise<SendOutcome> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    await client.withDeadline(Date.now() + SIGNAL_TIMEOUT_MS, () => send(handle));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return caseGone(client, handle);
    throw err;
  }
  // A query waits for a worker, so each one has a short deadline; until one answers, the request is pending.
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const outcome = await client
      .withDeadline(Math.min(until, Date.now() + QUERY_TIMEOUT_MS), () => handle.query(requestOutcomeQuery, requestId))
      .catch(() => null);
    if (outcome) return { status: outcome.status, reason: outcome.reason, result: outcome.result };
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return { status: 'pending' };
}

/** Signals reach only running workflows: tell a closed case from one that never existed. */
async function caseGone(client: Client, handle: WorkflowHandle): Promise<SendOutcome> {
  const closed = await client
    .withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.describe())
    .then((d) => d.status.name !== 'RUNNING')
    .catch(() => false);
  return closed
    ? { status: 'closed', reason: 'this case is already closed' }
    : { status: 'not-found', reason: 'this case does not exist' };
}
