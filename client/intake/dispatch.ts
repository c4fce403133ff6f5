import type { Client } from '@temporalio/client';
import { triageWorkflowId, type Alert } from '../../common/alert';
import type { RulePolicy } from '../../common/policy';
import type { RuleCatalog } from '../../common/rules';
import type { RelatedAlert } from '../../common/triage';
import { recordRelatedAlert, submitAlert } from '../triage-client';
import { CaseCorrelator, correlationKeysOf } from './correlation';
import { KeyedSerializer, Limiter } from './limiter';
import type { NormalizedAlert, SourceClosure } from './sources';

/**
 * Hands one normalized alert to Temporal and says what became of it:
 * - `started`: a new triage workflow; `duplicate`: its workflow already existed (recorded there as a redelivery);
 * - `updated` / `closed`: an update or close of a known alert, signalled to its case;
 * - `related`: attached to the open case of the same rule and user (rules that ask the user only), which is not asked
 *   again;
 * - `ignored`: a close of an alert no case knows.
 * Temporal failures are thrown; nothing is acknowledged for them.
 */

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
  maxInFlight: number;
  maxQueued: number;
  /** Off: every alert gets its own case. */
  correlate?: boolean;
  warn?: (message: string) => void;
}

export class AlertDispatcher {
  private readonly limiter: Limiter;
  private readonly perUser = new KeyedSerializer();
  private readonly correlator: CaseCorrelator | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.limiter = new Limiter(options.maxInFlight, options.maxQueued);
    this.correlator =
      options.correlate === false
        ? undefined
        : new CaseCorrelator({ client: options.client, taskQueue: options.taskQueue, warn: options.warn });
  }

  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.limiter.inFlight, queued: this.limiter.queued };
  }

  dispatch(item: NormalizedAlert, receivedAt: Date = new Date()): Promise<DispatchResult> {
    const { client, timeoutMs } = this.options;
    return this.limiter.run(() => client.withDeadline(Date.now() + timeoutMs, () => this.route(item, receivedAt)));
  }

  private async route({ kind, alert, closure }: NormalizedAlert, receivedAt: Date): Promise<DispatchResult> {
    const workflowId = triageWorkflowId(alert);
    if (kind !== 'create' && (await this.signal(workflowId, alert, kind, receivedAt, closure))) {
      return { outcome: kind === 'update' ? 'updated' : 'closed', workflowId };
    }
    const policy = this.options.rules.policyFor(alert.ruleId);
    const correlator = this.correlator;
    const keys = correlator && policy.mode === 'confirm-with-user' ? correlationKeysOf(alert) : [];
    if (!correlator || keys.length === 0) {
      return kind === 'close' ? { outcome: 'ignored', workflowId } : this.start(alert, policy, receivedAt);
    }
    // One alert per rule and user at a time in this process, so the second of two simultaneous alerts sees the first.
    return this.perUser.run(keys[0]!, async () => {
      const open = await correlator.findOpenCase(alert, workflowId);
      if (open) {
        if (await this.signal(open, alert, kind === 'create' ? 'related' : kind, receivedAt))
          return { outcome: 'related', workflowId: open };
        correlator.forget(open);
      }
      if (kind === 'close') return { outcome: 'ignored', workflowId };
      const result = await this.start(alert, policy, receivedAt, correlator.memo(alert));
      if (result.outcome === 'started') correlator.remember(alert, result.workflowId);
      return result;
    });
  }

  /** Starts the case under the policy the alert was routed by (resolved once: a promoted catalog may change). */
  private async start(
    alert: Alert,
    policy: RulePolicy,
    receivedAt: Date,
    memo?: Record<string, unknown>,
  ): Promise<DispatchResult> {
    const { client, taskQueue, analysts, warn } = this.options;
    const { workflowId, outcome } = await submitAlert(client, {
      alert,
      policy,
      analysts,
      taskQueue,
      receivedAt,
      memo,
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
