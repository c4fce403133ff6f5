import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Alert } from '../../common/alert';
import { userOf } from '../../common/case-targets';
import { EXERCISE_ROUTE } from '../../common/exercise';
import type { RulePolicy } from '../../common/policy';
import { containmentActionLabels, containmentActions, type ContainmentAction } from '../../common/policy-terms';
import {
  ClosedAtKey,
  ContainedAtKey,
  DispositionKey,
  QuestionOutcomeKey,
  RouteKey,
  SettledByKey,
  TriagedAtKey,
  TriageStateKey,
  WouldContainKey,
} from '../../common/search-attributes';
import {
  containmentTarget,
  type AnalystDecisionKind,
  type CaseState,
  type ContainmentRequest,
  type ContainmentResult,
  type Disposition,
  type Enrichment,
  type PriorState,
  type TriageInput,
  type UndoResult,
} from '../../common/triage';

export { undoRequestFor, userOf } from '../../common/case-targets';

/** The triage case's pure rules: what to contain, what to ask, what to show. No Temporal, so unit-tested as they are. */

export function newCaseState(input: TriageInput, workflowId: string): CaseState {
  return {
    workflowId,
    alert: input.alert,
    route: input.policy.mode,
    triageState: 'enriching',
    disposition: 'undetermined',
    escalations: [],
    decisions: [],
    containment: [],
    relatedAlerts: [],
    relatedAlertCount: 0,
    receivedAt: input.receivedAt,
  };
}

/**
 * The requests containment would make now: the actions asked for, else the rule's, else every action; less what is
 * already in place for this case; only those the alert's entities allow.
 */
export function containmentPlan(
  context: { policy: RulePolicy; state: CaseState; requestedAt: string },
  requested?: ContainmentAction[],
): ContainmentRequest[] {
  const { policy, state, requestedAt } = context;
  const { alert } = state;
  const user = userOf(alert);
  const wanted: readonly ContainmentAction[] = requested?.length
    ? requested
    : policy.containmentActions.length
      ? policy.containmentActions
      : containmentActions;
  const done = new Set(
    state.containment.filter((c) => c.status === 'applied' || c.status === 'already-in-place').map((c) => c.action),
  );
  const base = { workflowId: state.workflowId, requestedAt };
  return wanted
    .filter((action) => !done.has(action))
    .flatMap((action): ContainmentRequest[] => {
      switch (action) {
        case 'disable-account':
        case 'revoke-sessions':
          return user ? [{ ...base, action, user }] : [];
        case 'isolate-host':
          return alert.entities.host ? [{ ...base, action, host: alert.entities.host }] : [];
        case 'block-ip':
          return alert.entities.sourceIp ? [{ ...base, action, ip: alert.entities.sourceIp }] : [];
      }
    });
}

/** The requests that may act, with their recorded prior state, and those that may not, with why. */
export function withPriorStates(
  plan: ContainmentRequest[],
  priors: PriorState[],
): { ready: ContainmentRequest[]; unreadable: ContainmentResult[] } {
  const ready: ContainmentRequest[] = [];
  const unreadable: ContainmentResult[] = [];
  plan.forEach((request, i) => {
    const prior = priors[i]!;
    if ('inPlace' in prior) ready.push({ ...request, inPlaceBefore: prior.inPlace });
    else
      unreadable.push({
        action: request.action,
        status: 'failed',
        target: containmentTarget(request),
        detail: `the state before acting could not be read: ${prior.failed}`,
      });
  });
  return { ready, unreadable };
}

/** "Contain: Disable account jdoe@…, Block IP 203.0.113.50" — the Web UI's summary of a step (≤ 200 bytes). */
export function stepSummary(
  verb: 'Contain' | 'Re-apply' | 'Undo',
  items: { action: ContainmentAction; target: string }[],
): string {
  return `${verb}: ${items.map((r) => `${containmentActionLabels[r.action]} ${r.target}`).join(', ')}`.slice(0, 200);
}

export function containmentOutcome(results: ContainmentResult[]): string {
  const failed = results.filter((r) => r.status === 'failed');
  return failed.length
    ? `containment incomplete: ${failed.map((f) => `${f.action} failed (${f.detail})`).join('; ')}`
    : `contained: ${results.map((r) => `${r.action} ${r.status}`).join(', ')}`;
}

export function releaseOutcome(results: UndoResult[]): string {
  return `released: ${results.map((r) => (r.status === 'failed' ? `${r.action} undo failed (${r.detail})` : `${r.action} undone`)).join(', ')}`;
}

/** Facts that let a person recognise the event: time, what, IP and its location, device, application, details. */
export function questionFacts(alert: Alert, enrichment?: Enrichment): { label: string; value: string }[] {
  const facts = [
    { label: 'When', value: alert.detectedAt },
    { label: 'What', value: alert.title },
  ];
  const signIns = enrichment?.signIns;
  const ip = alert.entities.sourceIp;
  if (ip) {
    const location =
      signIns?.status === 'ok' ? signIns.data.distinctIps.find((d) => d.ip === ip)?.locations[0] : undefined;
    facts.push({ label: 'From', value: location ? `${ip} (${location})` : ip });
  }
  if (alert.entities.host) facts.push({ label: 'Device', value: alert.entities.host });
  const app = signIns?.status === 'ok' ? signIns.data.recent.find((r) => r.ip === ip)?.app : undefined;
  if (app) facts.push({ label: 'Application', value: app });
  if (alert.description) facts.push({ label: 'Details', value: alert.description.slice(0, 300) });
  return facts;
}

/** The close a source's own verdict stands for (the source's analyst settled it there). */
export const sourceCloseDecisions: Record<Disposition, AnalystDecisionKind> = {
  'true-positive': 'close-true-positive',
  'benign-positive': 'close-benign',
  'false-positive': 'close-false-positive',
  undetermined: 'close-undetermined',
};

/** What the Web UI filters on: only attributes that have a value (each upsert is a history event). */
export function searchAttributesOf(state: CaseState): SearchAttributeUpdatePair[] {
  return [
    { key: TriageStateKey, value: state.triageState },
    { key: DispositionKey, value: state.disposition },
    ...(state.settledBy ? [{ key: SettledByKey, value: state.settledBy }] : []),
    ...(state.triagedAt ? [{ key: TriagedAtKey, value: new Date(state.triagedAt) }] : []),
    ...(state.containedAt ? [{ key: ContainedAtKey, value: new Date(state.containedAt) }] : []),
    ...(state.closedAt ? [{ key: ClosedAtKey, value: new Date(state.closedAt) }] : []),
    ...(state.question?.outcome ? [{ key: QuestionOutcomeKey, value: state.question.outcome }] : []),
    ...(state.wouldHaveContained ? [{ key: WouldContainKey, value: true }] : []),
    ...(state.exercise ? [{ key: RouteKey, value: EXERCISE_ROUTE }] : []),
  ] as SearchAttributeUpdatePair[];
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}
