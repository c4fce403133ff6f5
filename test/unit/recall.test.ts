import { randomBytes } from 'node:crypto';
import { cardBinder, verifyCardData } from '../../activities/teams/card-token';
import { socCard, type SocCardView } from '../../activities/teams/cards';
import { missedByRules } from '../../client/teams/missed-by';
import { alertMatchesExercise, planProblem, type OpenExercise } from '../../common/exercise';
import { proportion, recallFlagged, recallOf, wilsonUpperBound, RECALL_FLAG } from '../../common/recall';
import { recallCountsByRule } from '../../client/metrics/recall';
import { parseMissed } from '../../client/cli-missed';
import { parseExercise } from '../../client/cli-exercise';
import { makeAlert } from '../harness/alerts';

describe('the Wilson 95% interval', () => {
  test.each([
    // successes, trials, lower, upper (Wilson score interval, z = 1.959964)
    [5, 10, 0.2366, 0.7634],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [1, 3, 0.0615, 0.7923],
    [81, 263, 0.2553, 0.3662],
  ])('%i of %i is [%f, %f]', (successes, trials, lower, upper) => {
    const p = proportion(successes, trials);
    expect(p.lower).toBeCloseTo(lower, 4);
    expect(p.upper).toBeCloseTo(upper, 4);
    expect(p.value).toBeCloseTo(successes / trials, 10);
  });

  test('without trials there is no value and the interval is [0, 1]', () => {
    expect(proportion(0, 0)).toEqual({ successes: 0, trials: 0, value: null, lower: 0, upper: 1 });
    expect(wilsonUpperBound(0, 0)).toBe(1);
  });
});

describe('recall and the flag for rules that keep missing', () => {
  test('a missed-detection record is a miss like a missed exercise', () => {
    const r = recallOf({ detected: 3, exercisesMissed: 1, missedDetections: 2 });
    expect([r.successes, r.trials, r.value]).toEqual([3, 6, 0.5]);
  });

  test(`flagged only with at least ${RECALL_FLAG.minMisses} misses and an upper bound below ${RECALL_FLAG.maxUpperBound}`, () => {
    expect(recallFlagged({ detected: 0, exercisesMissed: 1, missedDetections: 0 })).toBe(false); // one miss
    expect(recallFlagged({ detected: 0, exercisesMissed: 2, missedDetections: 0 })).toBe(false); // upper 0.658
    expect(recallFlagged({ detected: 0, exercisesMissed: 3, missedDetections: 2 })).toBe(true); // upper 0.434
    expect(recallFlagged({ detected: 5, exercisesMissed: 5, missedDetections: 0 })).toBe(false); // upper 0.763
  });

  test('counts per rule: ended exercises by outcome, each rule a missed detection names', () => {
    const at = new Date();
    const counts = recallCountsByRule({
      exercises: [
        { workflowId: 'a', ruleId: 'r1', startedAt: at, running: false, outcome: 'detected' },
        { workflowId: 'b', ruleId: 'r1', startedAt: at, running: false, outcome: 'missed' },
        { workflowId: 'c', ruleId: 'r2', startedAt: at, running: false, outcome: 'missed' },
      ],
      missed: [{ workflowId: 'm', rules: ['r2', 'r3', 'r2'], recordedAt: at }],
    });
    expect(Object.fromEntries(counts)).toEqual({
      r1: { detected: 1, exercisesMissed: 1, missedDetections: 0 },
      r2: { detected: 0, exercisesMissed: 1, missedDetections: 1 },
      r3: { detected: 0, exercisesMissed: 0, missedDetections: 1 },
    });
  });
});

describe('which alert belongs to an exercise', () => {
  const startedAt = '2026-12-01T10:00:00.000Z';
  const exercise = (plan: Partial<OpenExercise['plan']>): OpenExercise => ({
    exerciseId: 'soc-exercise-impossible-travel-x',
    startedAt,
    endsAt: '2026-12-01T10:30:00.000Z',
    plan: { ruleId: 'impossible-travel', windowMs: 30 * 60_000, ...plan },
  });
  const alert = (overrides: Parameters<typeof makeAlert>[0] = {}) =>
    makeAlert({ ruleId: 'impossible-travel', detectedAt: '2026-12-01T10:10:00Z', ...overrides });

  test('the marker in any text field, in any case', () => {
    const e = exercise({ marker: 'ART-42' });
    expect(alertMatchesExercise(e, alert({ title: 'x art-42 y' }))).toBe(true);
    expect(alertMatchesExercise(e, alert({ description: 'run ART-42' }))).toBe(true);
    expect(alertMatchesExercise(e, alert({ entities: { host: 'art-42-vm' } }))).toBe(true);
    expect(alertMatchesExercise(e, alert())).toBe(false);
  });

  test('the named user and host, each as the alert names it (a short host name matches its FQDN)', () => {
    const e = exercise({ user: 'JDOE@contoso.example', host: 'LAPTOP-JDOE' });
    expect(alertMatchesExercise(e, alert())).toBe(true);
    expect(alertMatchesExercise(e, alert({ entities: { userPrincipalName: 'jdoe@contoso.example' } }))).toBe(false);
    expect(alertMatchesExercise(exercise({ host: 'laptop-jdoe' }), alert())).toBe(true);
  });

  test('only the rule under test, and only within the window (less the clock tolerance)', () => {
    const e = exercise({ marker: 'ART-42' });
    expect(alertMatchesExercise(e, alert({ title: 'ART-42', ruleId: 'other' }))).toBe(false);
    expect(alertMatchesExercise(e, alert({ title: 'ART-42', detectedAt: '2026-12-01T09:56:00Z' }))).toBe(true);
    expect(alertMatchesExercise(e, alert({ title: 'ART-42', detectedAt: '2026-12-01T09:50:00Z' }))).toBe(false);
    expect(alertMatchesExercise(e, alert({ title: 'ART-42', detectedAt: '2026-12-01T10:31:00Z' }))).toBe(false);
  });

  test('a plan needs something to recognise its alert by, and a window of 1m to 7d', () => {
    expect(planProblem({ ruleId: 'r', windowMs: 60_000 })).toMatch(/--marker/);
    expect(planProblem({ ruleId: 'r', windowMs: 1_000, marker: 'm' })).toMatch(/window/);
    expect(planProblem({ ruleId: 'r', windowMs: 60_000, host: 'h' })).toBeUndefined();
  });
});

describe('the CLI refuses what could not be recorded, before connecting', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  test('missed: rules, a time and a note; the same record keeps its fields', () => {
    expect(parseMissed(['--rule', 'a,b', '--rule', 'a', '--at', '2h', '--note', 'found by hunt'], now)).toMatchObject({
      rules: ['a', 'b'],
      at: '2026-12-01T10:00:00.000Z',
      note: 'found by hunt',
    });
    expect(() => parseMissed(['--at', '2h', '--note', 'n'], now)).toThrow(/--rule/);
    expect(() => parseMissed(['--rule', 'a', '--at', 'yesterday', '--note', 'n'], now)).toThrow(/--at/);
    expect(() => parseMissed(['--rule', 'a', '--at', '2027-01-01T00:00:00Z', '--note', 'n'], now)).toThrow(/future/);
    expect(() => parseMissed(['--rule', 'a', '--at', '1h'], now)).toThrow(/--note/);
    expect(() => parseMissed(['--rule', 'a', '--at', '1h', '--note', 'n', '--id', '../x'], now)).toThrow(/--id/);
  });

  test('exercise: one rule, a window, something to match; a schedule longer than its window', () => {
    expect(parseExercise(['start', '--rule', 'r', '--window', '30m', '--marker', 'm'])).toMatchObject({
      verb: 'start',
      input: { ruleId: 'r', windowMs: 1_800_000, marker: 'm' },
    });
    expect(() => parseExercise(['start', '--rule', 'r', '--window', '30m'])).toThrow(/--marker/);
    expect(() => parseExercise(['start', '--rule', 'r', '--window', 'soon', '--host', 'h'])).toThrow(/--window/);
    expect(() => parseExercise(['schedule', '--rule', 'r', '--window', '30m', '--host', 'h'])).toThrow(/--every/);
    expect(() => parseExercise(['start', '--rule', 'r', '--window', '30m', '--host', 'h', '--every', '1d'])).toThrow(
      /does not take --every/,
    );
    expect(() => parseExercise(['stop'])).toThrow(/start, schedule or list/);
  });

  test('exercise --ask-user: recorded on start and schedule, absent without it, refused on list', () => {
    const target = ['--rule', 'r', '--window', '30m', '--user', 'u@x'];
    expect(parseExercise(['start', ...target, '--ask-user'])).toMatchObject({ input: { askUser: true } });
    expect(parseExercise(['schedule', ...target, '--every', '7d', '--ask-user'])).toMatchObject({
      verb: 'schedule',
      input: { askUser: true },
    });
    expect(parseExercise(['start', ...target])).not.toHaveProperty('input.askUser');
    expect(() => parseExercise(['start', ...target, '--ask-user=yes'])).toThrow(/ask-user/);
    expect(() => parseExercise(['list', '--ask-user'])).toThrow(/does not take --ask-user/);
  });
});

describe('"Should have been caught by…" on the SOC card', () => {
  const key = randomBytes(32);
  const view: SocCardView = {
    workflowId: 'triage:generic:tests:1',
    alert: makeAlert(),
    reason: 'this rule is triaged by analysts',
    disposition: 'undetermined',
    summary: '',
    containment: [],
  };

  test('an open case offers it with a rule choice, bound by the card HMAC like every decision', () => {
    const card = socCard({ ...view, ruleChoices: ['mfa-fatigue', 'leaked-credentials'] }, cardBinder(key));
    const action = card.actions!.at(-1)!;
    expect(action.title).toBe('Should have been caught by…');
    expect(verifyCardData(key, action.data)).toMatchObject({ ok: true, data: { choice: 'missed-by' } });
    expect(card.body).toContainEqual(
      expect.objectContaining({ type: 'Input.ChoiceSet', id: 'missedBy', isMultiSelect: true }),
    );
    expect(socCard({ ...view, closed: true }, cardBinder(key)).actions).toBeUndefined();
  });

  test('the named rules are read from the input, checked, and deduplicated', () => {
    expect(missedByRules({ missedBy: 'mfa-fatigue, leaked-credentials,mfa-fatigue' })).toEqual({
      rules: ['mfa-fatigue', 'leaked-credentials'],
    });
    expect(missedByRules({})).toHaveProperty('problem');
    expect(missedByRules({ missedBy: `a'b"c` })).toHaveProperty('problem');
  });
});
