import { ConfigError } from '../../common/config/env';
import { loadStepUpConfig, requireStepUpConfig } from '../../common/config/step-up';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { conditionalAccessPolicySchema } from '../../activities/graph/conditional-access';
import { stepUpPolicyCheck as checkParsed } from '../../client/teams/step-up';
import { stepUpPolicy } from '../../standins/graph/conditional-access-policies';

const env = {
  SOC_STEPUP_TENANT_ID: '7f3c2a10-5b7e-4d8a-9c1e-0a1b2c3d4e5f',
  SOC_STEPUP_CLIENT_ID: '5e1f9b2c-3d4a-4b6c-8d7e-9f0a1b2c3d4e',
  SOC_STEPUP_CLIENT_SECRET: 'a-client-secret-value',
  SOC_STEPUP_PUBLIC_URL: 'https://soc-bot.contoso.example/',
  SOC_STEPUP_AUTH_CONTEXT: 'c1',
};
/** The check on policies as Graph answers them, read through the adapter's schema. */
const stepUpPolicyCheck = (policies: ConditionalAccessPolicy[], context: string) =>
  checkParsed(
    policies.map((p) => conditionalAccessPolicySchema.parse(p)),
    context,
  );
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

test('step-up configuration: named variables, defaults, and the redirect URI to register', () => {
  expect(loadStepUpConfig(env)).toMatchObject({
    authorityHost: 'https://login.microsoftonline.com',
    redirectUri: 'https://soc-bot.contoso.example/stepup/callback',
    authContextId: 'c1',
    maxTokenAgeMs: 5 * 60_000,
    credential: { kind: 'secret' },
  });
  expect(loadStepUpConfig({ ...env, SOC_STEPUP_MAX_TOKEN_AGE: '2m' })?.maxTokenAgeMs).toBe(120_000);
  expect(loadStepUpConfig({})).toBeUndefined();
});

test('step-up configuration fails closed, naming the variable', () => {
  expect(message(() => requireStepUpConfig({}, ['impossible-travel']))).toMatch(
    /^Invalid configuration: SOC_STEPUP_TENANT_ID must be set .*rules impossible-travel ask for step-up/,
  );
  expect(requireStepUpConfig({}, [])).toBeUndefined();
  expect(message(() => loadStepUpConfig({ ...env, SOC_STEPUP_AUTH_CONTEXT: 'mfa' }))).toBe(
    'Invalid configuration: SOC_STEPUP_AUTH_CONTEXT must be an authentication context id, c1 to c99',
  );
  expect(message(() => loadStepUpConfig({ ...env, SOC_STEPUP_PUBLIC_URL: 'http://soc-bot.contoso.example' }))).toMatch(
    /SOC_STEPUP_PUBLIC_URL must be an https:\/\/ URL/,
  );
  expect(message(() => loadStepUpConfig({ ...env, SOC_STEPUP_CLIENT_SECRET: '' }))).toMatch(
    /SOC_STEPUP_CLIENT_SECRET or SOC_STEPUP_CLIENT_CERTIFICATE/,
  );
  expect(message(() => loadStepUpConfig({ ...env, SOC_STEPUP_MAX_TOKEN_AGE: '1h' }))).toMatch(/between 30s and 15m/);
});

test('acrs proves MFA only where an enabled policy for the context requires MFA (or a strength) every time', () => {
  expect(stepUpPolicyCheck([stepUpPolicy()], 'c1')).toEqual({ ready: true, policy: 'Step-up for SOC confirmations' });
  expect(
    stepUpPolicyCheck(
      [
        {
          ...stepUpPolicy(),
          grantControls: { builtInControls: [], authenticationStrength: { id: 'phishing-resistant' } },
        },
      ],
      'c1',
    ),
  ).toMatchObject({ ready: true });
  expect(stepUpPolicyCheck([stepUpPolicy('c2')], 'c1')).toMatchObject({ ready: false });
  expect(stepUpPolicyCheck([{ ...stepUpPolicy(), state: 'enabledForReportingButNotEnforced' }], 'c1')).toMatchObject({
    ready: false,
  });
  expect(
    stepUpPolicyCheck([{ ...stepUpPolicy(), grantControls: { builtInControls: ['compliantDevice'] } }], 'c1'),
  ).toMatchObject({
    ready: false,
  });
  const timeBased = stepUpPolicy();
  timeBased.sessionControls = {
    signInFrequency: { isEnabled: true, frequencyInterval: 'timeBased', value: 1, type: 'hours' },
  };
  expect(stepUpPolicyCheck([timeBased], 'c1')).toMatchObject({ ready: false });
});
