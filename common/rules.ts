import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration';
import { defaultPromotionSettings, type PromotionLevel, type PromotionSettings } from './fidelity';
import {
  containmentActions,
  defaultPolicy,
  driftResponses,
  parsePolicy,
  ruleModes,
  type RulePolicy,
  type RulePolicyInput,
} from './policy';

/** A detection rule as the catalog describes it. */
export interface CatalogRule {
  id: string;
  name?: string;
  /** The policy from the catalog, before any promotion earned by the fidelity loop. */
  policy: RulePolicy;
  /** Whether the fidelity loop may promote the rule beyond shadow mode to real automatic containment. */
  allowAutoContain: boolean;
  promotion: PromotionSettings;
}

/** Resolves the policy of a detection rule when its alert's workflow starts. */
export interface RuleCatalog {
  policyFor(ruleId: string): RulePolicy;
  /** The catalog's entry; rules it does not name get the fallback policy and are never promoted. */
  ruleFor(ruleId: string): CatalogRule;
  readonly rules: readonly CatalogRule[];
}

function catalogOf(rules: CatalogRule[], fallback: RulePolicy): RuleCatalog {
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  const unknown = (id: string): CatalogRule => ({
    id,
    policy: fallback,
    allowAutoContain: false,
    promotion: defaultPromotionSettings,
  });
  return {
    rules,
    ruleFor: (ruleId) => byId.get(ruleId) ?? unknown(ruleId),
    policyFor: (ruleId) => byId.get(ruleId)?.policy ?? fallback,
  };
}

/** A catalog from a plain map; rules it does not name go to analysts. */
export function staticCatalog(
  policies: Record<string, RulePolicyInput & { allowAutoContain?: boolean; promotion?: Partial<PromotionSettings> }>,
  fallback: RulePolicy = defaultPolicy,
): RuleCatalog {
  const rules = Object.entries(policies).map(([id, { allowAutoContain = false, promotion, ...policy }]) => ({
    id,
    policy: parsePolicy(policy),
    allowAutoContain,
    promotion: { ...defaultPromotionSettings, ...promotion },
  }));
  return catalogOf(rules, fallback);
}

/**
 * The policy a new alert of `rule` runs under, given the level the fidelity loop has granted. Shadow mode keeps the
 * catalog's route and only records what automatic containment would have done; real automatic containment is granted
 * only where the catalog allows it.
 */
export function policyWithPromotion(rule: CatalogRule, level: PromotionLevel): RulePolicy {
  if (rule.policy.mode === 'auto-contain' || level === 'none') return rule.policy;
  if (level === 'auto-contain' && rule.allowAutoContain) return { ...rule.policy, mode: 'auto-contain' };
  return { ...rule.policy, shadowAutoContain: true };
}

// ---- the YAML catalog -------------------------------------------------------------------------------------------------

export class RuleCatalogError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(problems.map((p) => `${source}: ${p}`).join('\n'));
    this.name = 'RuleCatalogError';
  }
}

const MINUTE = 60_000;
const listOf = (values: readonly string[]) => values.join(', ');
export const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : what;

export const duration = (min: number, max: number, hint: string) =>
  z.string({ error: required(`must be a duration like ${hint}`) }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `must be a duration like ${hint}` });
    else if (ms < min || ms > max)
      ctx.addIssue({ code: 'custom', message: `must be between ${formatBound(min)} and ${formatBound(max)}` });
    return ms ?? 0;
  });
const formatBound = (ms: number) =>
  ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / MINUTE}m`;
export const bool = z.boolean({ error: 'must be true or false' });
const wholeNumber = (min: number) =>
  z
    .number({ error: `must be a whole number of at least ${min}` })
    .int(`must be a whole number of at least ${min}`)
    .min(min, `must be a whole number of at least ${min}`);

const promotionSchema = z.strictObject(
  {
    threshold: z
      .number({ error: 'must be a number between 0 and 1, like 0.95' })
      .gt(0, 'must be a number between 0 and 1, like 0.95')
      .lt(1, 'must be a number between 0 and 1, like 0.95')
      .default(defaultPromotionSettings.threshold),
    minDispositions: wholeNumber(1).default(defaultPromotionSettings.minDispositions),
    minShadowDispositions: wholeNumber(0).default(defaultPromotionSettings.minShadowDispositions),
    lookback: duration(86_400_000, 366 * 86_400_000, '30d').optional(),
  },
  { error: 'must be a mapping of threshold, minDispositions, minShadowDispositions, lookback' },
);

const ruleSchema = z
  .strictObject(
    {
      name: z.string({ error: 'must be text' }).min(1, 'must not be empty').optional(),
      mode: z.enum(ruleModes, { error: required(`must be one of ${listOf(ruleModes)}`) }),
      confirmationTimeout: duration(MINUTE, 7 * 86_400_000, '30m').optional(),
      reminderBeforeDeadline: duration(0, 7 * 86_400_000, '10m').optional(),
      analystDecisionTimeout: duration(MINUTE, 30 * 86_400_000, '4h').optional(),
      containmentActions: z
        .array(
          z.enum(containmentActions, {
            error: (issue) => `"${String(issue.input)}" is not one of ${listOf(containmentActions)}`,
          }),
          {
            error: `must be a list of ${listOf(containmentActions)}`,
          },
        )
        .refine((actions) => new Set(actions).size === actions.length, 'must not repeat an action')
        .optional(),
      onUserConfirms: z.enum(['close', 'review'], { error: 'must be close or review' }).optional(),
      containOnUserDenial: bool.optional(),
      stepUp: bool.optional(),
      onContainmentDrift: z.enum(driftResponses, { error: `must be one of ${listOf(driftResponses)}` }).optional(),
      allowAutoContain: bool.default(false),
      promotion: promotionSchema.prefault({}),
    },
    { error: "must be a mapping of the rule's settings (mode, confirmationTimeout, containmentActions, …)" },
  )
  .superRefine((rule, ctx) => {
    const containing = rule.mode === 'auto-contain' || rule.allowAutoContain;
    if (containing && !rule.containmentActions?.length) {
      const field = rule.mode === 'auto-contain' ? 'mode' : 'allowAutoContain';
      ctx.addIssue({
        code: 'custom',
        path: ['containmentActions'],
        message: `must name at least one action when ${field} allows automatic containment`,
      });
    }
    if (
      rule.reminderBeforeDeadline !== undefined &&
      rule.reminderBeforeDeadline >= (rule.confirmationTimeout ?? 30 * MINUTE)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['reminderBeforeDeadline'],
        message: 'must be shorter than confirmationTimeout',
      });
    }
  });

const catalogSchema = z.strictObject(
  {
    rules: z.record(z.string().min(1, 'rule ids must not be empty'), ruleSchema, {
      error: required('must be a mapping from rule id to rule'),
    }),
  },
  { error: 'must be a YAML mapping with a "rules" key' },
);

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : String(key)));
  const inRule = path[0] === 'rules' && path.length >= 2;
  const where = inRule ? `rule "${path[1]}": ` : '';
  const field = (inRule ? path.slice(2) : path).join('.').replace(/\.\[/g, '[');
  const what =
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      : issue.message;
  return `${where}${field ? `${field}: ` : ''}${what}`;
}

/** Parses and validates catalog YAML; `source` names the file in error messages. */
export function parseRuleCatalog(text: string, source: string, fallback: RulePolicy = defaultPolicy): RuleCatalog {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new RuleCatalogError(
      source,
      document.errors.map((e) => {
        const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `${e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : ''}${message}`;
      }),
    );
  }
  const parsed = catalogSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) throw new RuleCatalogError(source, parsed.error.issues.map(describeIssue));

  const rules = Object.entries(parsed.data.rules).map(([id, rule]): CatalogRule => {
    const {
      name,
      allowAutoContain,
      promotion,
      confirmationTimeout,
      reminderBeforeDeadline,
      analystDecisionTimeout,
      ...rest
    } = rule;
    return {
      id,
      name,
      allowAutoContain,
      promotion: {
        threshold: promotion.threshold,
        minDispositions: promotion.minDispositions,
        minShadowDispositions: promotion.minShadowDispositions,
        lookbackMs: promotion.lookback ?? defaultPromotionSettings.lookbackMs,
      },
      policy: parsePolicy({
        ...rest,
        ...(confirmationTimeout !== undefined ? { confirmationTimeoutMs: confirmationTimeout } : {}),
        ...(reminderBeforeDeadline !== undefined ? { reminderBeforeDeadlineMs: reminderBeforeDeadline } : {}),
        ...(analystDecisionTimeout !== undefined ? { analystDecisionTimeoutMs: analystDecisionTimeout } : {}),
      }),
    };
  });
  return catalogOf(rules, fallback);
}

/** Reads and validates the YAML catalog at `path`; throws a `RuleCatalogError` naming the rule and field. */
export function loadRuleCatalog(path: string): RuleCatalog {
  const source = path; // as given: an absolute path stays absolute
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RuleCatalogError(source, [
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); set SOC_RULES_FILE to the rule catalog`,
    ]);
  }
  return parseRuleCatalog(text, source);
}
