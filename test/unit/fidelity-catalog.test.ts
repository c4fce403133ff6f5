import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTriageConfig } from '../../common/config/triage';
import { loadRuleCatalog, parseRuleCatalog, RuleCatalogError } from '../../common/rules';

const MINUTE = 60_000;

function problemsOf(yaml: string): string[] {
  try {
    parseRuleCatalog(yaml, 'rules/catalog.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(RuleCatalogError);
    return (err as Error).message.split('\n');
  }
  throw new Error('the catalog was accepted');
}

test('the catalog shipped with the project loads by default and says how each rule is handled', () => {
  const catalog = loadRuleCatalog(loadTriageConfig({}).rulesFile);
  expect(catalog.rules.length).toBeGreaterThanOrEqual(5);
  const travel = catalog.ruleFor('impossible-travel');
  expect(travel.policy).toMatchObject({
    mode: 'confirm-with-user',
    confirmationTimeoutMs: 30 * MINUTE,
    reminderBeforeDeadlineMs: 10 * MINUTE,
    containmentActions: ['disable-account', 'revoke-sessions'],
    onUserConfirms: 'close',
    containOnUserDenial: true,
    shadowAutoContain: false,
  });
  expect(travel.allowAutoContain).toBe(false);
  expect(travel.promotion).toEqual({
    threshold: 0.95,
    minDispositions: 20,
    minShadowDispositions: 10,
    lookbackMs: 30 * 24 * 60 * MINUTE,
  });
  expect(catalog.ruleFor('mfa-fatigue')).toMatchObject({
    allowAutoContain: true,
    policy: { onUserConfirms: 'review', confirmationTimeoutMs: 15 * MINUTE },
  });
  expect(catalog.ruleFor('suspicious-inbox-forwarding').promotion).toMatchObject({
    threshold: 0.9,
    minDispositions: 30,
  });
  expect(catalog.policyFor('leaked-credentials').mode).toBe('auto-contain');
  expect(catalog.policyFor('ransomware-behaviour').containmentActions).toContain('isolate-host');
  expect(catalog.policyFor('a-rule-nobody-listed').mode).toBe('analyst');
});

test('SOC_RULES_FILE names the catalog; an invalid one stops start-up with the file, rule and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soc-catalog-'));
  const file = join(dir, 'catalog.yaml');
  writeFileSync(
    file,
    'rules:\n  impossible-travel:\n    mode: confirm-with-user\n    confirmationTimeout: half an hour\n',
  );
  const { rulesFile } = loadTriageConfig({ SOC_RULES_FILE: file });
  expect(rulesFile).toBe(file);
  expect(() => loadRuleCatalog(rulesFile)).toThrow(
    new RuleCatalogError(file, ['rule "impossible-travel": confirmationTimeout: must be a duration like 30m']),
  );
  expect(() => loadRuleCatalog(rulesFile)).toThrow(
    /catalog\.yaml: rule "impossible-travel": confirmationTimeout: must be a duration like 30m$/,
  );
  expect(() => loadRuleCatalog(join(dir, 'missing.yaml'))).toThrow(
    /missing\.yaml: cannot be read \(ENOENT\); set SOC_RULES_FILE to the rule catalog/,
  );
});

test('every problem is reported at once, each naming its rule and field', () => {
  const yaml = [
    'rules:',
    '  impossible-travel:',
    '    mode: contain',
    '    confirmTimeout: 30m',
    '  mfa-fatigue:',
    '    confirmationTimeout: 30s',
    '    containmentActions: [revoke-sessions, nuke]',
    '    promotion: { threshold: 1.5, minDispositions: 0, window: 30d }',
    '  leaked-credentials:',
    '    mode: auto-contain',
    '  password-spray-source:',
    '    mode: analyst',
    '    allowAutoContain: yes',
    '  privileged-role-assignment:',
    '    mode: confirm-with-user',
    '    confirmationTimeout: 20m',
    '    reminderBeforeDeadline: 20m',
  ].join('\n');
  expect(problemsOf(yaml)).toEqual([
    'rules/catalog.yaml: rule "impossible-travel": mode: must be one of auto-contain, confirm-with-user, analyst',
    'rules/catalog.yaml: rule "impossible-travel": unknown field "confirmTimeout"',
    'rules/catalog.yaml: rule "mfa-fatigue": mode: is required',
    'rules/catalog.yaml: rule "mfa-fatigue": confirmationTimeout: must be between 1m and 7d',
    'rules/catalog.yaml: rule "mfa-fatigue": containmentActions[1]: "nuke" is not one of disable-account, revoke-sessions, isolate-host, block-ip',
    'rules/catalog.yaml: rule "mfa-fatigue": promotion.threshold: must be a number between 0 and 1, like 0.95',
    'rules/catalog.yaml: rule "mfa-fatigue": promotion.minDispositions: must be a whole number of at least 1',
    'rules/catalog.yaml: rule "mfa-fatigue": promotion: unknown field "window"',
    'rules/catalog.yaml: rule "leaked-credentials": containmentActions: must name at least one action when mode allows automatic containment',
    'rules/catalog.yaml: rule "password-spray-source": allowAutoContain: must be true or false',
    'rules/catalog.yaml: rule "privileged-role-assignment": reminderBeforeDeadline: must be shorter than confirmationTimeout',
  ]);
});

test('YAML mistakes are reported with their line, and a file without rules says so', () => {
  expect(problemsOf('rules:\n  a:\n    mode: analyst\n  a:\n    mode: analyst\n')).toEqual([
    'rules/catalog.yaml: line 4, column 3: Map keys must be unique',
  ]);
  expect(problemsOf('')).toEqual(['rules/catalog.yaml: rules: is required']);
  expect(problemsOf('rule:\n  a: { mode: analyst }\n')).toEqual([
    'rules/catalog.yaml: rules: is required',
    'rules/catalog.yaml: unknown field "rule"',
  ]);
});

test('every confirm-with-user rule asks for step-up before a "yes" counts, unless it says stepUp: false', () => {
  const catalog = parseRuleCatalog(
    'rules:\n  a:\n    mode: confirm-with-user\n  b:\n    mode: confirm-with-user\n    stepUp: false\n',
    'rules/catalog.yaml',
  );
  expect(catalog.policyFor('a').stepUp).toBe(true);
  expect(catalog.policyFor('b').stepUp).toBe(false);
  expect(loadRuleCatalog(loadTriageConfig({}).rulesFile).policyFor('impossible-travel').stepUp).toBe(true);
  expect(problemsOf('rules:\n  a:\n    mode: confirm-with-user\n    stepUp: maybe\n')).toEqual([
    'rules/catalog.yaml: rule "a": stepUp: must be true or false',
  ]);
});
