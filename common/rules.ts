import { defaultPolicy, parsePolicy, type RulePolicy, type RulePolicyInput } from './policy';

/** Resolves the policy of a detection rule when its alert's workflow starts. */
export interface RuleCatalog {
  policyFor(ruleId: string): RulePolicy;
}

/** A catalog from a plain map; rules it does not name go to analysts. */
export function staticCatalog(policies: Record<string, RulePolicyInput>, fallback: RulePolicy = defaultPolicy): RuleCatalog {
  const parsed = new Map(Object.entries(policies).map(([ruleId, policy]) => [ruleId, parsePolicy(policy)]));
  return { policyFor: (ruleId) => parsed.get(ruleId) ?? fallback };
}
