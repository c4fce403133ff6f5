import { z } from 'zod';
import { containmentActions, driftResponses, ruleModes } from './policy-terms';

/** How a rule's alerts are handled. Resolved when a workflow starts and passed in, so a running case never changes. */

export * from './policy-terms';

const MINUTE = 60_000;

export const rulePolicySchema = z
  .object({
    mode: z.enum(ruleModes),
    /** How long the affected user has to answer "was this you?". */
    confirmationTimeoutMs: z
      .number()
      .int()
      .min(MINUTE)
      .max(7 * 24 * 60 * MINUTE)
      .default(30 * MINUTE),
    /** Optional reminder this long before the confirmation deadline (0 = none). */
    reminderBeforeDeadlineMs: z.number().int().min(0).default(0),
    /** How long analysts have to decide before the case is escalated again. */
    analystDecisionTimeoutMs: z
      .number()
      .int()
      .min(MINUTE)
      .default(4 * 60 * MINUTE),
    containmentActions: z.array(z.enum(containmentActions)).max(containmentActions.length).default([]),
    /** What the user's "yes, it was me" does: close as benign, or hold for analyst review. */
    onUserConfirms: z.enum(['close', 'review']).default('close'),
    /** Whether "no, it wasn't me" may trigger containment without an analyst. */
    containOnUserDenial: z.boolean().default(false),
    /**
     * Whether the user's "yes, it was me" counts only after a fresh sign-in with MFA (Entra step-up, see
     * `common/step-up.ts`). On by default: the question goes to an account an attacker may be holding.
     */
    stepUp: z.boolean().default(true),
    /** Shadow mode, granted by the fidelity loop: record what automatic containment would have done, never do it. */
    shadowAutoContain: z.boolean().default(false),
    /** Containment undone outside this product (drift guard): re-apply it and tell analysts, or only tell them. */
    onContainmentDrift: z.enum(driftResponses).default('re-apply'),
  })
  .strict();

export type RulePolicy = z.output<typeof rulePolicySchema>;
export type RulePolicyInput = z.input<typeof rulePolicySchema>;

/** A rule without a policy goes to an analyst. */
export const defaultPolicy: RulePolicy = rulePolicySchema.parse({ mode: 'analyst' });

export function parsePolicy(input: unknown): RulePolicy {
  return rulePolicySchema.parse(input);
}
