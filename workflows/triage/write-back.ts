import * as wf from '@temporalio/workflow';
import type { CaseState } from '../../common/triage';
import type { WriteBackRecord, WriteBackRequest, WriteBackTransition } from '../../common/write-back';
import { writeBackToSource } from './activities';
import { failureReason } from './failures';

/** Cases started from this version on write their transitions back to the alert's source. */
const SIEM_WRITE_BACK = 'siem-write-back';

/** Longest reason handed to a source (comments have limits; the case keeps the whole story). */
const MAX_REASON = 1_000;

/**
 * Writes the case's transitions (triaged, contained, escalated, closed) back to the alert where it came from, each
 * once, in the order they happened, beside the case: triage never waits for the SIEM, and a write-back that cannot be
 * done is recorded on the case (never failing it). A close the source itself sent is not echoed back to it.
 */
export class WriteBackStep {
  private chain: Promise<void> = Promise.resolve();
  private readonly queued: Set<WriteBackTransition>;

  constructor(
    private readonly state: CaseState,
    private readonly publish: () => void,
  ) {
    this.queued = new Set((state.writeBack ?? []).map((r) => r.transition));
  }

  /** Queues the transition's write-back (once per case); `fromSource` records that the source needs no echo. */
  queue(transition: WriteBackTransition, reason: string, options: { fromSource?: boolean } = {}): void {
    const { state } = this;
    const origin = state.alert.origin;
    if (!origin || this.queued.has(transition) || !wf.patched(SIEM_WRITE_BACK)) return;
    this.queued.add(transition);
    if (options.fromSource) {
      this.record({ transition, status: 'not-echoed', detail: `closed in ${state.alert.source}: not written back` });
      return;
    }
    const request: WriteBackRequest = {
      workflowId: state.workflowId,
      transition,
      source: state.alert.source,
      origin,
      title: state.alert.title,
      severity: state.alert.severity,
      disposition: state.disposition,
      triageState: state.triageState,
      reason: reason.slice(0, MAX_REASON),
      namesUser: Boolean(state.alert.entities.userPrincipalName || state.alert.entities.userObjectId),
    };
    this.chain = this.chain.then(() => this.write(request));
  }

  /** Resolves when every queued write-back has been written or recorded as failed. */
  settled(): Promise<void> {
    return this.chain;
  }

  private async write(request: WriteBackRequest): Promise<void> {
    const { transition } = request;
    // Said once: a source with no write-back configured is not asked again for each transition.
    if (this.state.writeBack?.some((r) => r.status === 'not-configured')) return;
    try {
      const result = await writeBackToSource.executeWithOptions(
        { summary: `Write back to ${request.source}: ${transition}` },
        [request],
      );
      this.record({ transition, ...result });
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.warn('write-back to the source failed; the case goes on', { transition, reason: failureReason(err) });
      this.record({ transition, status: 'failed', detail: failureReason(err) });
    }
  }

  private record(record: Omit<WriteBackRecord, 'at'>): void {
    (this.state.writeBack ??= []).push({ ...record, at: new Date().toISOString() });
    this.publish();
  }
}
