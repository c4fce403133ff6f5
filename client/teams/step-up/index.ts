import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { ConditionalAccessReader } from '../../../activities/graph/conditional-access';
import type { StepUpConfig } from '../../../common/config/step-up';
import { StepUpFlows, type PendingAnswer } from './flows';
import { createIdTokenChecker } from './oidc';
import { watchReadiness, type Readiness, type StepUpReadiness } from './readiness';
import { stepUpRoutes } from './routes';
import { temporalAnswerSink, type StepUpAnswerSink } from './sink';

export { stepUpPolicyCheck, type Readiness } from './readiness';

/**
 * Step-up for "yes, it was me", served by the bot's server: the bot asks for a link when the user clicks "Yes" on a
 * card whose rule asks for step-up; the page at that link signs the user in again with MFA and, only when the ID
 * token proves it, sends the answer to the workflow.
 */
export interface StepUp {
  config: StepUpConfig;
  /** The link the "Yes" answers with: one-time, bound to the case, the asked user and the answer. */
  link(answer: PendingAnswer): string;
  readiness: StepUpReadiness;
  routes: FastifyPluginAsync;
  close(): void;
}

export async function createStepUp(options: {
  config: StepUpConfig;
  temporal: Client;
  policies: ConditionalAccessReader;
  /** For the token endpoint and the keys; default the global fetch. */
  fetch?: typeof fetch;
  /** Told at start and whenever readiness changes (the start-up banner). */
  log?: (readiness: Readiness, line: string) => void;
  sink?: StepUpAnswerSink;
}): Promise<StepUp> {
  const { config } = options;
  const flows = new StepUpFlows(config.flowTimeoutMs);
  const describe = (r: Readiness) =>
    r.ready
      ? `Step-up ready: authentication context ${config.authContextId} is enforced by Conditional Access policy "${r.policy}"; confirmation page ${config.publicBaseUrl}/stepup`
      : `Step-up unavailable: ${r.reason}. A "yes" on a rule that asks for step-up cannot count; questions stay open until their deadline.`;
  const readiness = watchReadiness({
    reader: options.policies,
    contextId: config.authContextId,
    log: (r) => options.log?.(r, describe(r)),
  });
  await readiness.refresh();
  return {
    config,
    readiness,
    link: (answer) => `${config.publicBaseUrl}/stepup?t=${flows.link(answer)}`,
    routes: stepUpRoutes({
      config,
      flows,
      readiness,
      checker: createIdTokenChecker(config, options.fetch),
      sink: options.sink ?? temporalAnswerSink(options.temporal),
    }),
    close: () => readiness.stop(),
  };
}
