import { createHash } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Alert } from '../../common/alert';
import { within } from '../../common/deadline';
import { workflowTypes } from '../../common/workflow-types';
import type { correlationGateWorkflow } from '../../workflows/correlation/workflow';
import { claimCaseUpdate, correlationGateId, openCaseQuery, type CaseClaim } from '../../common/messages/correlation';

/**
 * Finds the open case for the same rule and the same user, so a second alert attaches to it instead of asking the
 * user again. The open case is held by the rule and user's correlation gate (`workflows/correlation.ts`), which
 * serializes claims, so the answer is exact across intake replicas and server restarts.
 *
 * Correlation never refuses an alert: a gate that cannot be reached or does not answer within the correlation
 * deadline leaves the alert to start its own case.
 *
 * Cases started by the intake also carry their correlation keys in the memo — a hash of (rule, user id) for each way
 * the alert names the user; the hash, not the user, because memos and workflow ids are shown in the Web UI.
 */

export const CORRELATION_MEMO = 'socCorrelation';

export function correlationKeysOf(alert: Pick<Alert, 'ruleId' | 'entities'>): string[] {
  const ids = [alert.entities.userObjectId, alert.entities.userPrincipalName].filter((id): id is string => Boolean(id));
  return ids.map((id) =>
    createHash('sha256').update(`${alert.ruleId}\n${id.toLowerCase()}`).digest('hex').slice(0, 32),
  );
}

/** The gate of the alert's rule and user, named by its first key (the object id when the alert has one). */
export function correlationGateIdOf(alert: Pick<Alert, 'ruleId' | 'entities'>, taskQueue: string): string | undefined {
  const [key] = correlationKeysOf(alert);
  return key === undefined ? undefined : correlationGateId(taskQueue, key);
}

const STALE_OWNER_GRACE_MS = 3_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CorrelatorOptions {
  client: Client;
  /** Where the gates run: the triage task queue. */
  taskQueue: string;
  /** Deadline for finding the open case; past it the alert starts its own case. */
  timeoutMs: number;
  warn?: (message: string) => void;
}

export class CaseCorrelator {
  constructor(private readonly options: CorrelatorOptions) {}

  memo(alert: Alert): Record<string, unknown> {
    return { [CORRELATION_MEMO]: correlationKeysOf(alert) };
  }

  /**
   * Attaches the alert to the gate's open case through `attach(openCase)`, which resolves to false when that case is
   * gone. Resolves to the case it attached to, or to undefined: the caller starts the alert's own case (which now owns
   * the gate, unless the gate could not be reached).
   */
  async join(
    gateId: string,
    workflowId: string,
    attach: (openCase: string) => Promise<boolean>,
    deadline: number,
  ): Promise<string | undefined> {
    // An open case that cannot be found may be starting in another intake right now: it is called stale only after
    // half the correlation deadline (at most a few seconds: a start takes far less), leaving time to claim in its place.
    const graceUntil = Date.now() + Math.min(this.options.timeoutMs / 2, STALE_OWNER_GRACE_MS);
    try {
      return await this.within(deadline, async () => {
        let staleOwner: string | undefined;
        // A stale owner is replaced by the second claim; a second stale owner in a row is not chased further.
        for (let round = 0; round < 2; round++) {
          const owner = await this.claim(gateId, { workflowId, ...(staleOwner ? { staleOwner } : {}) });
          if (owner === workflowId) return undefined;
          if (await this.attachWithGrace(owner, attach, graceUntil)) return owner;
          staleOwner = owner;
        }
        return undefined;
      });
    } catch (err) {
      this.options.warn?.(
        `correlation gate ${gateId} did not answer (${firstLine(err)}); the alert starts its own case`,
      );
      return undefined;
    }
  }

  /** The gate's open case, claiming nothing (for closes of alerts no case knows). */
  async openCase(gateId: string, deadline: number): Promise<string | undefined> {
    try {
      return await this.within(deadline, () => this.options.client.workflow.getHandle(gateId).query(openCaseQuery));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError))
        this.options.warn?.(`correlation gate ${gateId} did not answer (${firstLine(err)})`);
      return undefined;
    }
  }

  private within<T>(deadline: number, work: () => Promise<T>): Promise<T> {
    const until = Math.min(deadline, Date.now() + this.options.timeoutMs);
    return within(
      until - Date.now(),
      this.options.client.withDeadline(until, work),
      () => new Error(`no answer within ${this.options.timeoutMs} ms`),
    );
  }

  private async attachWithGrace(
    openCase: string,
    attach: (openCase: string) => Promise<boolean>,
    graceUntil: number,
  ): Promise<boolean> {
    for (let wait = 25; ; wait = Math.min(wait * 2, 200)) {
      if (await attach(openCase)) return true;
      const left = graceUntil - Date.now();
      if (left <= 0) return false;
      await pause(Math.min(wait, left));
    }
  }

  /** A gate completing just as the claim arrives refuses it; the retry starts the gate's next run. */
  private async claim(gateId: string, claim: CaseClaim): Promise<string> {
    try {
      return await this.claimOnce(gateId, claim);
    } catch {
      return this.claimOnce(gateId, claim);
    }
  }

  private claimOnce(gateId: string, claim: CaseClaim): Promise<string> {
    return this.options.client.workflow.executeUpdateWithStart(claimCaseUpdate, {
      args: [claim],
      startWorkflowOperation: new WithStartWorkflowOperation<typeof correlationGateWorkflow>(
        workflowTypes.correlationGate,
        {
          workflowId: gateId,
          taskQueue: this.options.taskQueue,
          args: [{}],
          workflowIdConflictPolicy: 'USE_EXISTING',
        },
      ),
    });
  }
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0] : String(err));
