import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { StandInRoutes } from './context';
import { GRAPH_RESOURCE } from './responses';
import { v1 } from './routes';

/** Conditional Access policies, read-only (`Policy.Read.All`): what the step-up check reads at start. */

/** The authentication context the demo tenant's step-up policy targets. */
export const STANDIN_AUTH_CONTEXT = 'c1';

/** "Step-up for SOC confirmations": context c1 requires MFA, sign-in frequency every time, enabled. */
export function stepUpPolicy(contextId = STANDIN_AUTH_CONTEXT): ConditionalAccessPolicy {
  return {
    id: '3c4d5e6f-7081-4a92-b3c4-d5e6f7081a92',
    displayName: 'Step-up for SOC confirmations',
    state: 'enabled',
    conditions: {
      users: { includeUsers: ['All'] },
      applications: { includeAuthenticationContextClassReferences: [contextId] },
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    sessionControls: {
      signInFrequency: {
        isEnabled: true,
        frequencyInterval: 'everyTime',
        authenticationType: 'primaryAndSecondaryAuthentication',
      },
    },
  };
}

export const conditionalAccessPolicyRoutes: StandInRoutes = ({ route, live }) => {
  route(
    'GET',
    `${v1}/identity/conditionalAccess/policies`,
    'listConditionalAccessPolicies',
    GRAPH_RESOURCE,
    [['Policy.Read.All']],
    () => ({
      status: 200,
      body: {
        '@odata.context': `${live.url}${v1}/$metadata#identity/conditionalAccess/policies`,
        value: live.state.conditionalAccessPolicies ?? [],
      },
    }),
  );
};
