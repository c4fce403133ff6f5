import { parsePolicy } from '../../common/policy';
import type { CaseState, ContainmentRecord } from '../../common/triage';
import { dispositionForAnswer } from '../../common/triage';
import { workflowTypes } from '../../common/workflow-types';
import * as workflows from '../../workflows';
import {
  containmentOutcome,
  containmentPlan,
  formatDuration,
  newCaseState,
  questionFacts,
  sourceCloseDecisions,
  stepSummary,
  undoRequestFor,
  withPriorStates,
} from '../../workflows/triage/rules';
import { JDOE, makeInput } from '../harness/alerts';

/** The triage case's pure rules, without Temporal: what to contain, what to ask, how answers and closes settle it. */

const requestedAt = '2026-12-01T10:00:00.000Z';
const caseOf = (
  policy = {},
  overrides: Partial<CaseState> = {},
): { state: CaseState; policy: ReturnType<typeof parsePolicy> } => {
  const input = makeInput({ mode: 'auto-contain', ...policy });
  return { state: { ...newCaseState(input, 'wf-1'), ...overrides }, policy: input.policy };
};

test('the plan takes the actions asked for, else the rule’s, else every action, and only what the entities allow', () => {
  const all = caseOf();
  expect(containmentPlan({ ...all, requestedAt }).map((r) => r.action)).toEqual([
    'disable-account',
    'revoke-sessions',
    'isolate-host',
    'block-ip',
  ]);
  const rule = caseOf({ containmentActions: ['block-ip'] });
  expect(containmentPlan({ ...rule, requestedAt })).toEqual([
    { workflowId: 'wf-1', requestedAt, action: 'block-ip', ip: '203.0.113.50' },
  ]);
  expect(containmentPlan({ ...rule, requestedAt }, ['disable-account']).map((r) => [r.action, r.user])).toEqual([
    ['disable-account', { objectId: JDOE.id, userPrincipalName: JDOE.upn }],
  ]);
  const noEntities = caseOf();
  noEntities.state.alert = { ...noEntities.state.alert, entities: {} };
  expect(containmentPlan({ ...noEntities, requestedAt })).toEqual([]);
});

test('what is already in place for this case is not planned again; what failed or was undone is', () => {
  const record = (action: ContainmentRecord['action'], status: ContainmentRecord['status']): ContainmentRecord => ({
    action,
    status,
    target: 'x',
    detail: '',
    at: requestedAt,
  });
  const { state, policy } = caseOf({}, {});
  state.containment = [
    record('disable-account', 'applied'),
    record('revoke-sessions', 'already-in-place'),
    record('isolate-host', 'failed'),
    record('block-ip', 'undone'),
  ];
  expect(containmentPlan({ state, policy, requestedAt }).map((r) => r.action)).toEqual(['isolate-host', 'block-ip']);
});

test('prior states: readable ones go ahead with what they read, unreadable ones are recorded as failed with why', () => {
  const { state, policy } = caseOf({ containmentActions: ['disable-account', 'block-ip'] });
  const plan = containmentPlan({ state, policy, requestedAt });
  const { ready, unreadable } = withPriorStates(plan, [
    { action: 'disable-account', inPlace: true },
    { action: 'block-ip', failed: 'Graph answered 503' },
  ]);
  expect(ready.map((r) => [r.action, r.inPlaceBefore])).toEqual([['disable-account', true]]);
  expect(unreadable).toEqual([
    {
      action: 'block-ip',
      status: 'failed',
      target: '203.0.113.50',
      detail: 'the state before acting could not be read: Graph answered 503',
    },
  ]);
  expect(containmentOutcome([...unreadable])).toBe(
    'containment incomplete: block-ip failed (the state before acting could not be read: Graph answered 503)',
  );
});

test('undo addresses the same entity the action did', () => {
  const { state } = caseOf();
  const record = (action: ContainmentRecord['action']): ContainmentRecord => ({
    action,
    status: 'applied',
    target: '',
    detail: '',
    at: requestedAt,
  });
  expect(undoRequestFor(record('isolate-host'), state)).toEqual({
    workflowId: 'wf-1',
    action: 'isolate-host',
    host: 'laptop-jdoe.contoso.example',
  });
  expect(undoRequestFor(record('block-ip'), state).ip).toBe('203.0.113.50');
  expect(undoRequestFor(record('disable-account'), state).user?.userPrincipalName).toBe(JDOE.upn);
});

test('the question shows when, what, where from, the device and the details, each once', () => {
  const { state } = caseOf();
  expect(questionFacts(state.alert).map((f) => f.label)).toEqual(['When', 'What', 'From', 'Device', 'Details']);
  expect(questionFacts(state.alert).find((f) => f.label === 'From')?.value).toBe('203.0.113.50');
});

test('answers and source closes settle the case by one mapping each', () => {
  expect(dispositionForAnswer('it-was-not-me', 'close')).toBe('true-positive');
  expect(dispositionForAnswer('it-was-me', 'close')).toBe('benign-positive');
  expect(dispositionForAnswer('it-was-me', 'review')).toBe('undetermined');
  expect(sourceCloseDecisions).toEqual({
    'true-positive': 'close-true-positive',
    'benign-positive': 'close-benign',
    'false-positive': 'close-false-positive',
    undetermined: 'close-undetermined',
  });
});

test('summaries and durations read as a person would say them', () => {
  expect(stepSummary('Contain', [{ action: 'block-ip', target: '203.0.113.50' }])).toBe(
    'Contain: Block IP 203.0.113.50',
  );
  expect(stepSummary('Undo', [{ action: 'disable-account', target: 'x'.repeat(300) }])).toHaveLength(200);
  expect([formatDuration(60 * 60_000), formatDuration(90 * 60_000), formatDuration(4 * 60 * 60_000)]).toEqual([
    '1 h',
    '90 min',
    '4 h',
  ]);
});

test('every workflow type name clients use is a workflow the worker registers', () => {
  expect(Object.values(workflowTypes).sort()).toEqual(Object.keys(workflows).sort());
});
