import { z } from 'zod';
import type { GraphConfig } from '../../common/config/graph';
import { CachedToken, createCredential } from './auth';
import { ApiClient } from './http';

/**
 * Conditional Access policies, read for the step-up check (`Policy.Read.All`): an `acrs` claim proves a fresh MFA only
 * where an enabled policy targets that authentication context, requires MFA (or an authentication strength) and signs
 * the user in every time.
 */

export const conditionalAccessPolicySchema = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  state: z.string(),
  conditions: z
    .object({
      applications: z
        .object({ includeAuthenticationContextClassReferences: z.array(z.string()).nullish() })
        .loose()
        .nullish(),
    })
    .loose()
    .nullish(),
  grantControls: z
    .object({
      builtInControls: z.array(z.string()).nullish(),
      authenticationStrength: z.object({ id: z.string() }).loose().nullish(),
    })
    .loose()
    .nullish(),
  sessionControls: z
    .object({
      signInFrequency: z
        .object({ isEnabled: z.boolean().nullish(), frequencyInterval: z.string().nullish() })
        .loose()
        .nullish(),
    })
    .loose()
    .nullish(),
});
export type ConditionalAccessPolicy = z.infer<typeof conditionalAccessPolicySchema>;

export interface ConditionalAccessReader {
  policies(): Promise<ConditionalAccessPolicy[]>;
}

export function createConditionalAccessReader(config: GraphConfig): ConditionalAccessReader {
  const graph = new ApiClient({
    service: 'Microsoft Graph',
    baseUrl: config.graphBaseUrl,
    version: 'v1.0',
    token: new CachedToken(createCredential(config), config.graphScope, 'Microsoft Graph'),
    timeoutMs: config.requestTimeoutMs,
  });
  return {
    async policies() {
      const page = await graph.collect(
        '/identity/conditionalAccess/policies',
        conditionalAccessPolicySchema,
        { service: 'Microsoft Graph', what: 'reading the Conditional Access policies', permission: 'Policy.Read.All' },
        { limit: 1000, maxPages: 10 },
      );
      return page.items;
    },
  };
}
