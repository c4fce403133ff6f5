import {
  decidePromotion,
  defaultPromotionSettings,
  wilsonLowerBound,
  type PromotionInput,
  type RuleRecord,
} from '../../common/fidelity';
import { policyWithPromotion, staticCatalog } from '../../common/rules';

/** z² for 95%: 1.959964² = 3.841459. With no failures the bound is n / (n + z²). */
const Z2 = 3.841458820694124;

const record = (
  truePositives: number,
  falsePositives = 0,
  benignPositives = 0,
  shadowDispositions = 0,
): RuleRecord => ({
  truePositives,
  falsePositives,
  benignPositives,
  shadowDispositions,
});

const confirmRule = (overrides: Partial<PromotionInput> = {}): PromotionInput => ({
  current: 'none',
  catalogMode: 'confirm-with-user',
  allowAutoContain: true,
  settings: defaultPromotionSettings,
  record: record(0),
  ...overrides,
});

describe('Wilson 95% lower bound', () => {
  test('matches hand-computed values', () => {
    expect(wilsonLowerBound(0, 0)).toBe(0);
    // p = 0.9, n = 10: (0.9 + 0.192073 − 1.959964·√(0.009 + 0.009604)) / (1 + 0.384146) = 0.595850
    expect(wilsonLowerBound(9, 10)).toBeCloseTo(0.59585, 5);
    expect(wilsonLowerBound(20, 20)).toBeCloseTo(20 / (20 + Z2), 12);
    expect(wilsonLowerBound(20, 20)).toBeCloseTo(0.838875, 6);
    expect(wilsonLowerBound(72, 72)).toBeCloseTo(0.949349, 6);
    expect(wilsonLowerBound(73, 73)).toBeCloseTo(0.950008, 6);
    expect(wilsonLowerBound(73, 74)).toBeCloseTo(0.927346, 6);
  });
});

describe('promotion decisions', () => {
  test('with the defaults (0.95 over at least 20) a rule with no misses is promoted at 73 dispositions, not at 72', () => {
    expect(decidePromotion(confirmRule({ record: record(72) }))).toMatchObject({ level: 'none', dispositions: 72 });
    const promoted = decidePromotion(confirmRule({ record: record(73) }));
    expect(promoted).toMatchObject({ level: 'shadow', dispositions: 73 });
    expect(promoted.reason).toBe(
      'Wilson lower bound 0.950 over 73 dispositions (threshold 0.95, minimum 20): reaches the threshold',
    );
  });

  test('the minimum number of dispositions holds even when the bound is above the threshold', () => {
    const settings = { ...defaultPromotionSettings, threshold: 0.8, minDispositions: 20 };
    const nineteen = decidePromotion(confirmRule({ settings, record: record(19) }));
    expect(nineteen.bound).toBeGreaterThan(0.8);
    expect(nineteen).toMatchObject({ level: 'none' });
    expect(nineteen.reason).toMatch(/not enough dispositions/);
    expect(decidePromotion(confirmRule({ settings, record: record(20) })).level).toBe('shadow');
  });

  test('real automatic containment comes only after shadow mode, enough shadow dispositions, and where the catalog allows it', () => {
    const qualifying = record(73, 0, 0, 9);
    expect(decidePromotion(confirmRule({ current: 'none', record: record(73, 0, 0, 50) })).level).toBe('shadow');
    expect(decidePromotion(confirmRule({ current: 'shadow', record: qualifying })).level).toBe('shadow');
    expect(decidePromotion(confirmRule({ current: 'shadow', record: record(73, 0, 0, 10) })).level).toBe(
      'auto-contain',
    );
    expect(
      decidePromotion(confirmRule({ current: 'shadow', allowAutoContain: false, record: record(73, 0, 0, 10) })),
    ).toMatchObject({
      level: 'shadow',
      reason: expect.stringMatching(/does not allow automatic containment/),
    });
    // A catalog that withdraws permission takes a rule back to shadow mode.
    expect(
      decidePromotion(confirmRule({ current: 'auto-contain', allowAutoContain: false, record: record(73, 0, 0, 10) }))
        .level,
    ).toBe('shadow');
  });

  test('a rule is demoted as soon as the bound falls below the threshold; a benign positive counts against it', () => {
    expect(decidePromotion(confirmRule({ current: 'auto-contain', record: record(73, 0, 0, 10) })).level).toBe(
      'auto-contain',
    );
    expect(decidePromotion(confirmRule({ current: 'auto-contain', record: record(73, 1, 0, 10) }))).toMatchObject({
      level: 'none',
      dispositions: 74,
    });
    expect(decidePromotion(confirmRule({ current: 'shadow', record: record(73, 0, 1) }))).toMatchObject({
      level: 'none',
      reason: 'Wilson lower bound 0.927 over 74 dispositions (threshold 0.95, minimum 20): below the threshold',
    });
  });

  test('a rule the catalog already contains automatically is never promoted', () => {
    expect(decidePromotion(confirmRule({ catalogMode: 'auto-contain', record: record(500) })).level).toBe('none');
  });
});

describe('the policy an alert runs under', () => {
  const catalog = staticCatalog({
    'mfa-fatigue': { mode: 'confirm-with-user', containmentActions: ['revoke-sessions'], allowAutoContain: true },
    'impossible-travel': { mode: 'confirm-with-user', containmentActions: ['revoke-sessions'] },
  });

  test('shadow mode keeps the catalog route and only adds the shadow record', () => {
    const policy = policyWithPromotion(catalog.ruleFor('impossible-travel'), 'shadow');
    expect(policy).toMatchObject({ mode: 'confirm-with-user', shadowAutoContain: true });
    expect(policyWithPromotion(catalog.ruleFor('impossible-travel'), 'none').shadowAutoContain).toBe(false);
  });

  test('real automatic containment is granted only where the catalog allows it', () => {
    expect(policyWithPromotion(catalog.ruleFor('mfa-fatigue'), 'auto-contain')).toMatchObject({
      mode: 'auto-contain',
      shadowAutoContain: false,
    });
    expect(policyWithPromotion(catalog.ruleFor('impossible-travel'), 'auto-contain')).toMatchObject({
      mode: 'confirm-with-user',
      shadowAutoContain: true,
    });
    expect(policyWithPromotion(catalog.ruleFor('not-in-catalog'), 'auto-contain').mode).toBe('analyst');
  });
});
