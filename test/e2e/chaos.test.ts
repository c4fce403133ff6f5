import type { CaseState } from '../../common/triage';
import { checkInvariants, invariantNames, type CaseOutcome } from '../../scripts/chaos/invariants';
import { chaosOptionsSchema } from '../../scripts/chaos/options';
import { runChaos } from '../../scripts/chaos/run';
import { loadChaosCatalog, type PlannedCase } from '../../scripts/chaos/scenario';
import { makeAlert } from '../harness/alerts';
import { quietRuntime } from '../harness/temporal';

/**
 * The crash-loop benchmark (`npm run bench:chaos`), short: a few dozen alerts while both worker processes are
 * SIGKILLed every few seconds, the Temporal server is SIGKILLed once and restarted on its file, and Graph answers 429s
 * and 503s. A crash must lose nothing.
 */

const zero = Object.fromEntries(invariantNames.map((name) => [name, 0]));

test('a short crash loop: every alert has one workflow that ends well, every effect happened once, undo restores, nothing accepted is lost', async () => {
  quietRuntime();
  const report = await runChaos(
    chaosOptionsSchema.parse({
      alerts: 20,
      alertsPerSecond: 2,
      seed: 20_251_201,
      confirmationSeconds: 60,
      confirmationJitterSeconds: 5,
      settleSeconds: 60,
      serverKillAt: 0.5,
    }),
    () => undefined,
  );
  expect(report.chaos.workerKills).toBeGreaterThan(0);
  expect(report.chaos.serverOutage).toBeDefined();
  expect({ counts: report.invariants.counts, examples: report.invariants.examples }).toEqual({
    counts: zero,
    examples: {},
  });
  expect(report.settled.all).toBe(true);
  expect(report.invariants.escalationLateness.outsideOutage.p99Ms).toBeLessThan(30_000);
}, 280_000);

describe('the invariant checks', () => {
  const policy = loadChaosCatalog().ruleFor('ransomware-behaviour').policy;
  const entities = { upn: 'u@contoso.example', userId: 'u-1', host: 'h.contoso.example', ip: '198.18.0.1' };
  const planned: PlannedCase = {
    index: 0,
    alert: makeAlert(),
    workflowId: 'wf-1',
    catalogPolicy: policy,
    entities,
    preContained: false,
    decision: 'close-false-positive',
    redeliver: false,
  };
  const at = new Date().toISOString();
  const state = {
    workflowId: 'wf-1',
    triageState: 'closed',
    disposition: 'false-positive',
    escalations: [{ at, reason: 'contained' }],
    decisions: [{ analystId: 'a', decision: 'close-false-positive', at, result: 'closed' }],
    containment: [
      { action: 'isolate-host', status: 'undone', target: entities.host, detail: '', at },
      { action: 'disable-account', status: 'undone', target: entities.upn, detail: '', at },
      { action: 'revoke-sessions', status: 'undone', target: entities.upn, detail: '', at },
      { action: 'block-ip', status: 'already-in-place', target: entities.ip, detail: '', at },
    ],
  } as unknown as CaseState;
  const outcome: CaseOutcome = {
    planned,
    log: {
      delivery: { outcome: 'started', attempts: 1 },
      decision: { value: 'close-false-positive', result: 'accepted', attempts: 1 },
    },
    executions: 1,
    status: 'COMPLETED',
    state,
  };

  test('see an effect applied twice, a record that hides what the case did, and an undo that left the account disabled', () => {
    const report = checkInvariants({
      cases: [outcome],
      strayWorkflows: 0,
      effects: {
        [entities.upn]: { 'disable-account': 2, 'revoke-sessions': 1 },
        [entities.host]: { 'isolate-host': 1, 'release-host': 1 },
        [entities.ip]: { 'block-ip': 1, 'unblock-ip': 1 },
      },
      world: {
        users: { [entities.upn]: { accountEnabled: false } },
        namedLocations: {},
        machines: { [entities.host]: { isolated: false } },
      },
      checkedAt: Date.now(),
      graceMs: 0,
    });
    expect(Object.fromEntries(Object.entries(report.counts).filter(([, n]) => n > 0))).toEqual({
      effectsAppliedTwice: 1,
      effectsMissing: 1,
      untruthfulContainmentRecords: 1,
      undoNotRestored: 1,
    });
  });
});
