import { ServiceError, type Client } from '@temporalio/client';
import { within } from '../../common/deadline';
import { triageWorkflowId, type Alert } from '../../common/alert';
import type { RulePolicy } from '../../common/policy';
import type { RuleCatalog } from '../../common/rules';
import type { RelatedAlert } from '../../common/triage';
import { recordRelatedAlert, submitAlert, type SubmitAlertOptions } from '../triage-client';
import { CaseCorrelator, correlationGateIdOf } from './correlation';
import { Limiter } from './limiter';
import type { NormalizedAlert, SourceClosure } from './sources';

/**
 * Hands one normalized alert to Temporal and says what became of it:
 * - `started`: a new triage workflow; `duplicate`: its workflow already existed (recorded there as a redelivery);
 * - `updated` / `closed`: an update or close of a known alert, signalled to its case;
 * - `related`: attached to the open case of the same rule and user (rules that ask the user only), which is not asked
 *   again; when that case cannot be found in time (`correlationTimeoutMs`) the alert starts its own case instead;
 * - `ignored`: a close of an alert no case knows.
 * Temporal failures are thrown; nothing is acknowledged for them.
 */

/** Past the Temporal deadline, how long a call may linger before the alert is answered 503 regardless. */
const HARD_DEADLINE_GRACE_MS = 1_000;

export type AlertOutcome = 'started' | 'duplicate' | 'related' | 'updated' | 'closed' | 'ignored';

export interface DispatchResult {
  outcome: AlertOutcome;
  workflowId: string;
}

export interface DispatcherOptions {
  client: Client;
  taskQueue: string;
  rules: Pick<RuleCatalog, 'policyFor'>;
  analysts: string[];
  /** Deadline for all Temporal calls made for one alert. */
  timeoutMs: number;
  /** Deadline for finding the open case of the same rule and user, within `timeoutMs`. */
  correlationTimeoutMs: number;
  maxInFlight: number;
  maxQueued: number;
  /** Off: every alert gets its own case. */
  correlate?: boolean;
  warn?: (message: string) => void;
}

export class AlertDispatcher {
  private readonly limiter: Limiter;
  private readonly correlator: CaseCorrelator | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.limiter = new Limiter(options.maxInFlight, options.maxQueued);
    const { client, taskQueue, correlationTimeoutMs: timeoutMs, warn } = options;
    this.correlator =
      options.correlate === false ? undefined : new CaseCorrelator({ client, taskQueue, timeoutMs, warn });
  }

  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.limiter.inFlight, queued: this.limiter.queued };
  }

  dispatch(item: NormalizedAlert, receivedAt: Date = new Date()): Promise<DispatchResult> {
    const { client, timeoutMs } = this.options;
    return this.limiter.run(() => {
      const deadline = Date.now() + timeoutMs;
      return within(
        timeoutMs + HARD_DEADLINE_GRACE_MS,
        client.withDeadline(deadline, () => this.route(item, receivedAt, deadline)),
        () => new ServiceError(`Temporal did not answer within ${timeoutMs} ms`),
      );
    });
  }

  private async route(
    { kind, alert, closure }: NormalizedAlert,
    receivedAt: Date,
    deadline: number,
  ): Promise<DispatchResult> {
    const workflowId = triageWorkflowId(alert);
    if (kind !== 'create' && (await this.signal(workflowId, alert, kind, receivedAt, closure))) {
      return { outcome: kind === 'update' ? 'updated' : 'closed', workflowId };
    }
    const policy = this.options.rules.policyFor(alert.ruleId);
    const correlator = this.correlator;
    const gateId =
      correlator && policy.mode === 'confirm-with-user'
        ? correlationGateIdOf(alert, this.options.taskQueue)
        : undefined;
    if (!correlator || !gateId) {
      return kind === 'close' ? { outcome: 'ignored', workflowId } : this.start(alert, policy, receivedAt);
    }
    // Correlation gets at most half of what is left, so the case can still start when it gives up.
    const correlationDeadline = Date.now() + (deadline - Date.now()) / 2;
    if (kind === 'close') {
      const open = await correlator.openCase(gateId, correlationDeadline);
      return open && (await this.signal(open, alert, kind, receivedAt))
        ? { outcome: 'related', workflowId: open }
        : { outcome: 'ignored', workflowId };
    }
    const related = kind === 'create' ? 'related' : kind;
    const open = await correlator.join(
      gateId,
      workflowId,
      (openCase) => this.signal(openCase, alert, related, receivedAt),
      correlationDeadline,
    );
    if (open) return { outcome: 'related', workflowId: open };
    return this.start(alert, policy, receivedAt, { memo: correlator.memo(alert), correlationGateId: gateId });
  }

  /** Starts the case under the policy the alert was routed by (resolved once: a promoted catalog may change). */
  private async start(
    alert: Alert,
    policy: RulePolicy,
    receivedAt: Date,
    correlation?: Pick<SubmitAlertOptions, 'memo' | 'correlationGateId'>,
  ): Promise<DispatchResult> {
    const { client, taskQueue, analysts, warn } = this.options;
    const { workflowId, outcome } = await submitAlert(client, {
      alert,
      policy,
      analysts,
      taskQueue,
      receivedAt,
      ...correlation,
      warn,
    });
    return { workflowId, outcome };
  }

  private signal(
    workflowId: string,
    alert: Alert,
    kind: RelatedAlert['kind'],
    receivedAt: Date,
    closure?: SourceClosure,
  ): Promise<boolean> {
    return recordRelatedAlert(this.options.client, workflowId, {
      source: alert.source,
      sourceAlertId: alert.sourceAlertId,
      ruleId: alert.ruleId,
      detectedAt: alert.detectedAt,
      kind,
      receivedAt: receivedAt.toISOString(),
      ...(kind === 'close' && closure ? closure : {}),
    });
  }
}
