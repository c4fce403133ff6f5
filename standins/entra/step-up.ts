import type { Client } from '@temporalio/client';
import { createConditionalAccessReader } from '../../activities/graph/conditional-access';
import { createStepUp, type StepUp } from '../../client/teams/step-up';
import type { GraphConfig } from '../../common/config/graph';
import { loadStepUpConfig } from '../../common/config/step-up';
import { STANDIN_AUTH_CONTEXT } from '../graph/conditional-access-policies';
import type { GraphStandIn } from '../graph/server';

/**
 * Step-up against the stand-in (demo mode and tests): configured through the same named variables as production, its
 * redirect URI registered on the stand-in's app, the Conditional Access check read from the stand-in's Graph.
 */

export function standInStepUpEnv(standIn: GraphStandIn, publicUrl: string): Record<string, string> {
  return {
    SOC_STEPUP_TENANT_ID: standIn.tenantId,
    SOC_STEPUP_CLIENT_ID: standIn.clientId,
    SOC_STEPUP_CLIENT_SECRET: standIn.clientSecret,
    SOC_STEPUP_AUTHORITY_HOST: standIn.authorityHost,
    SOC_STEPUP_PUBLIC_URL: publicUrl,
    SOC_STEPUP_AUTH_CONTEXT: STANDIN_AUTH_CONTEXT,
  };
}

/** A factory the Teams loop calls once it knows where the bot's server is reached. */
export function standInStepUp(options: {
  standIn: GraphStandIn;
  graph: GraphConfig;
  temporal: Client;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}): (publicUrl: string) => Promise<StepUp> {
  return async (publicUrl) => {
    const config = loadStepUpConfig(standInStepUpEnv(options.standIn, publicUrl))!;
    options.standIn.entra.redirectUris.add(config.redirectUri);
    return createStepUp({
      config,
      temporal: options.temporal,
      policies: createConditionalAccessReader(options.graph),
      fetch: options.fetch,
      log: (_ready, line) => options.log?.(line),
    });
  };
}
