import { renderCase } from '../../common/case-details';
import { parsePolicy } from '../../common/policy';
import { parseRuleCatalog, RuleCatalogError } from '../../common/rules';
import type { CaseState, ContainmentRecord, DriftRecord } from '../../common/triage';
import {
  driftTarget,
  isDriftReport,
  MAX_DRIFT_RECORDS,
  reapplyRequestFor,
  recordDrift,
} from '../../workflows/triage/drift-rules';
import { newCaseState } from '../../workflows/triage/rules';
import { JDOE, makeInput } from '../harness/alerts';

/** The rule field and the pure rules behind the case's answer to containment drift. */

const at = '2026-12-01T10:00:00.000Z';
const applied: ContainmentRecord = {
  action: 'disable-account',
  target: JDOE.upn,
  status: 'applied',
  detail: 'account disabled',
  at,
};
const caseWith = (containment: ContainmentRecord[], overrides: Partial<CaseState> = {}): CaseState => ({
  ...newCaseState(makeInput({ mode: 'auto-contain', containmentActions: ['disable-account'] }), 'wf-1'),
  containment,
  ...overrides,
});

test('onContainmentDrift defaults to re-apply; the catalog accepts re-apply or escalate and names a wrong value', () => {
  expect(parsePolicy({ mode: 'analyst' }).onContainmentDrift).toBe('re-apply');
  const catalog = parseRuleCatalog(
    'rules:\n  a:\n    mode: analyst\n  b:\n    mode: analyst\n    onContainmentDrift: escalate\n',
    'rules/catalog.yaml',
  );
  expect(catalog.policyFor('a').onContainmentDrift).toBe('re-apply');
  expect(catalog.policyFor('b').onContainmentDrift).toBe('escalate');
  expect(() => parseRuleCatalog('rules:\n  a:\n    mode: analyst\n    onContainmentDrift: undo\n', 'x.yaml')).toThrow(
    new RuleCatalogError('x.yaml', ['rule "a": onContainmentDrift: must be one of re-apply, escalate']),
  );
});

test('the case acts only on an action it applied and still holds, for the target it names', () => {
  const drift = { action: 'disable-account' as const, target: 'JDOE@contoso.example' };
  expect(driftTarget(caseWith([applied]), drift)).toEqual({ record: applied });
  expect(driftTarget(caseWith([applied]), { ...drift, target: 'asmith@contoso.example' })).toEqual({
    ignored: 'this case did not apply it',
  });
  expect(driftTarget(caseWith([{ ...applied, status: 'undone' }]), drift)).toEqual({
    ignored: 'this case released it',
  });
  expect(driftTarget(caseWith([{ ...applied, status: 'already-in-place' }]), drift)).toEqual({
    ignored: 'it was in place before this case; not its to restore',
  });
  expect(driftTarget(caseWith([applied], { triageState: 'closed' }), drift)).toEqual({
    ignored: 'the case is closed',
  });
});

test('re-applying asks for the same effect as the undo would remove, as of now', () => {
  expect(reapplyRequestFor(applied, caseWith([applied]), at)).toEqual({
    workflowId: 'wf-1',
    action: 'disable-account',
    user: { objectId: JDOE.id, userPrincipalName: JDOE.upn },
    requestedAt: at,
  });
});

test('a malformed report is refused; the drift list keeps the newest entries', () => {
  const good = {
    runId: 'r',
    routineId: 'containment-drift',
    mode: 'act',
    drifted: [{ action: 'disable-account', target: JDOE.upn, observedAt: at }],
  };
  expect(isDriftReport(good)).toBe(true);
  expect(isDriftReport({ ...good, mode: 'fix' })).toBe(false);
  expect(isDriftReport({ ...good, drifted: [{ action: 'nuke', target: 'x', observedAt: at }] })).toBe(false);
  expect(isDriftReport({ ...good, drifted: [{ action: 'block-ip', target: 'x', observedAt: 'soon' }] })).toBe(false);
  expect(isDriftReport(null)).toBe(false);

  const state = caseWith([applied]);
  const entry = (runId: string): DriftRecord => ({
    at,
    action: 'disable-account',
    target: JDOE.upn,
    runId,
    observedAt: at,
    status: 'recorded',
    outcome: 'recorded only: the drift guard reports',
  });
  for (let i = 0; i < MAX_DRIFT_RECORDS + 3; i++) recordDrift(state, entry(`run-${i}`));
  expect(state.drift).toHaveLength(MAX_DRIFT_RECORDS);
  expect(state.drift![0]!.runId).toBe('run-3');
  expect(renderCase(state)).toContain(
    `**Containment drift** seen at 2026-12-01 10:00:00 UTC (run \`run-${MAX_DRIFT_RECORDS + 2}\`): Disable account ${JDOE.upn} undone outside this product — **recorded**: recorded only: the drift guard reports`,
  );
});
