import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { StepUpConfig } from '../../../common/config/step-up';
import type { StepUpFlows } from './flows';
import { authorizeUrl, StepUpRefusal, type IdTokenChecker } from './oidc';
import { stepUpPage, type PageKind } from './page';
import type { StepUpReadiness } from './readiness';
import type { StepUpAnswerSink } from './sink';

/**
 * The confirmation page on the bot's server. `GET /stepup?t=<link>` spends the link and sends the browser to Entra ID;
 * `GET /stepup/callback` spends the `state`, redeems the code and, only when the ID token passes every check, sends the
 * answer with its proof to the workflow. `GET /readyz` says whether step-up can be offered (503 and why, if not).
 */

const linkQuery = z.object({ t: z.string().min(1).max(128) });
const callbackQuery = z.object({
  state: z.string().min(1).max(128),
  code: z.string().min(1).max(4096).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
});

export function stepUpRoutes(deps: {
  config: StepUpConfig;
  flows: StepUpFlows;
  readiness: StepUpReadiness;
  checker: IdTokenChecker;
  sink: StepUpAnswerSink;
}): FastifyPluginAsync {
  const { config, flows, readiness, checker, sink } = deps;
  const page = (reply: FastifyReply, status: number, kind: PageKind, detail: string) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(stepUpPage(kind, detail));

  return async (app) => {
    app.get('/readyz', async (_request, reply) => {
      const ready = readiness.current();
      return ready.ready
        ? reply.send({ status: 'ready', stepUp: { ready: true, policy: ready.policy } })
        : reply.code(503).send({ status: 'step-up unavailable', reason: ready.reason });
    });

    app.get('/stepup', async (request, reply) => {
      const ready = readiness.current();
      if (!ready.ready) return page(reply, 503, 'unavailable', `Step-up unavailable: ${ready.reason}.`);
      const query = linkQuery.safeParse(request.query);
      const started = query.success ? flows.start(query.data.t) : undefined;
      if (!started) return page(reply, 400, 'refused', 'This confirmation link was already used or has expired.');
      return reply
        .code(302)
        .header('cache-control', 'no-store')
        .redirect(authorizeUrl(config, started.state, started.flow));
    });

    app.get('/stepup/callback', async (request, reply) => {
      const receivedAt = new Date();
      const query = callbackQuery.safeParse(request.query);
      const flow = query.success ? flows.finish(query.data.state) : undefined;
      if (!query.success || !flow)
        return page(reply, 400, 'refused', 'This sign-in was already used, has expired or was not started here.');
      if (query.data.error || !query.data.code)
        return page(reply, 400, 'refused', `The sign-in did not complete (${query.data.error ?? 'no code'}).`);
      if (!readiness.current().ready) return page(reply, 503, 'unavailable', 'Step-up unavailable.');
      try {
        const proof = await checker.redeem(query.data.code, flow, (nonce) => flows.spendNonce(nonce));
        const outcome = await sink.send(flow, proof, receivedAt);
        if (outcome.recorded) return page(reply, 200, 'confirmed', outcome.message);
        return page(reply, 409, 'refused', outcome.message);
      } catch (err) {
        if (err instanceof StepUpRefusal) {
          request.log.warn({ reason: err.message, workflowId: flow.workflowId }, 'step-up refused');
          return page(reply, 403, 'refused', `Not confirmed: ${err.message}.`);
        }
        request.log.error({ err }, 'step-up answer could not reach the workflow');
        return page(reply, 503, 'refused', 'We could not record your answer right now. Please try again in a minute.');
      }
    });
  };
}
