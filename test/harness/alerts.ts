import { randomUUID } from 'node:crypto';
import { parseAlert, type Alert, type AlertInput } from '../../common/alert';
import { parsePolicy, type RulePolicy, type RulePolicyInput } from '../../common/policy';
import type { TriageInput } from '../../common/triage';

export const ANALYST = 'aaaaaaaa-0000-4000-8000-000000000001';
export const JDOE = { id: '11111111-1111-4111-8111-111111111111', upn: 'jdoe@contoso.example' };

export function makeAlert(overrides: Partial<AlertInput> = {}): Alert {
  return parseAlert({
    source: 'generic',
    sourceInstance: 'tests',
    sourceAlertId: randomUUID(),
    ruleId: 'impossible-travel',
    ruleName: 'Impossible travel',
    severity: 'high',
    detectedAt: new Date().toISOString(),
    title: 'Sign-in from two countries within an hour',
    description: 'Sign-ins from Seattle, US and Lagos, NG 55 minutes apart.',
    entities: {
      userPrincipalName: JDOE.upn,
      userObjectId: JDOE.id,
      host: 'laptop-jdoe.contoso.example',
      sourceIp: '203.0.113.50',
    },
    ...overrides,
  });
}

export function makeInput(policy: RulePolicyInput, alert: Alert = makeAlert()): TriageInput {
  const parsed: RulePolicy = parsePolicy(policy);
  return { alert, policy: parsed, analysts: [ANALYST], receivedAt: new Date().toISOString() };
}
