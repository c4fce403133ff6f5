/**
 * The policy's vocabulary, without its schema. Workflow code imports these from here, never from `./policy`: every
 * workflow instance (and every replay after a cache eviction) runs the modules of the workflow bundle again, so a
 * schema library in it costs CPU and memory per case (see the README's Scaling section).
 */

export const ruleModes = ['auto-contain', 'confirm-with-user', 'analyst'] as const;
export type RuleMode = (typeof ruleModes)[number];

export const containmentActions = ['disable-account', 'revoke-sessions', 'isolate-host', 'block-ip'] as const;
export type ContainmentAction = (typeof containmentActions)[number];
export const containmentActionLabels: Record<ContainmentAction, string> = {
  'disable-account': 'Disable account',
  'revoke-sessions': 'Revoke sessions',
  'isolate-host': 'Isolate host',
  'block-ip': 'Block IP',
};

/** What a case does when the drift guard finds an action it applied undone outside this product. */
export const driftResponses = ['re-apply', 'escalate'] as const;
export type DriftResponse = (typeof driftResponses)[number];
