import { containmentActionLabels, containmentActions, type ContainmentAction } from '../../common/policy-terms';
import type { ContainmentDrift, ContainmentDriftReport } from '../../common/messages/triage';
import type { CaseState, ContainmentRecord, ContainmentRequest, DriftRecord } from '../../common/triage';
import { undoRequestFor } from './rules';

/** The pure rules of the case's answer to containment drift (see drift.ts). No Temporal, so unit-tested as they are. */

export const MAX_DRIFT_RECORDS = 20;

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function isDrift(value: unknown): value is ContainmentDrift {
  if (!value || typeof value !== 'object') return false;
  const { action, target, observedAt } = value as Record<string, unknown>;
  return (
    (containmentActions as readonly unknown[]).includes(action) &&
    isString(target) &&
    isString(observedAt) &&
    !Number.isNaN(Date.parse(observedAt))
  );
}

/** A signal's payload is not checked by anyone before the handler: its shape is, here, so a bad one is refused. */
export function isDriftReport(value: unknown): value is ContainmentDriftReport {
  if (!value || typeof value !== 'object') return false;
  const { runId, routineId, mode, drifted } = value as Record<string, unknown>;
  return (
    isString(runId) &&
    isString(routineId) &&
    (mode === 'act' || mode === 'report') &&
    Array.isArray(drifted) &&
    drifted.length <= MAX_DRIFT_RECORDS &&
    drifted.every(isDrift)
  );
}

/** A report takes effect once per run of the drift guard and action, however often it is delivered. */
export function driftKey(runId: string, action: ContainmentAction): string {
  return `${runId}|${action}`;
}

/** Records a drift on the case, keeping the newest `MAX_DRIFT_RECORDS`. */
export function recordDrift(state: CaseState, record: DriftRecord): void {
  const drift = (state.drift ??= []);
  drift.push(record);
  if (drift.length > MAX_DRIFT_RECORDS) drift.splice(0, drift.length - MAX_DRIFT_RECORDS);
}

/**
 * The containment record of this case the drift is about, when the case applied it and holds it; otherwise why the
 * case leaves it alone (it acts only on what it changed itself, and never once it is closed).
 */
export function driftTarget(
  state: CaseState,
  drift: Pick<ContainmentDrift, 'action' | 'target'>,
): { record: ContainmentRecord } | { ignored: string } {
  if (state.triageState === 'closed') return { ignored: 'the case is closed' };
  const matching = state.containment.filter(
    (c) => c.action === drift.action && c.target.toLowerCase() === drift.target.toLowerCase(),
  );
  const record = matching.find((c) => c.status === 'applied');
  if (record) return { record };
  const latest = matching.at(-1);
  if (!latest) return { ignored: 'this case did not apply it' };
  if (latest.status === 'undone') return { ignored: 'this case released it' };
  if (latest.status === 'already-in-place') return { ignored: 'it was in place before this case; not its to restore' };
  return { ignored: `this case did not apply it (its record reads ${latest.status})` };
}

/** The request that puts an applied action back in place, as of now (revocation counts from `requestedAt`). */
export function reapplyRequestFor(
  record: ContainmentRecord,
  state: CaseState,
  requestedAt: string,
): ContainmentRequest {
  return { ...undoRequestFor(record, state), requestedAt };
}

/** "Disable account jdoe@contoso.example was undone outside this product" */
export function driftDescription(drift: Pick<ContainmentDrift, 'action' | 'target'>): string {
  return `${containmentActionLabels[drift.action]} ${drift.target} was undone outside this product`;
}

/** The analysts' escalation for the drifts a batch acted on, each with what the case did. */
export function driftEscalationReason(parts: string[]): string {
  return `containment drifted: ${parts.join('; ')}`;
}
