import type { Client } from '@temporalio/client';
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import { z } from 'zod';
import { cardBinder, verifyCardData, type BoundActionData } from '../../activities/teams/card-token';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  ANSWER_VERB,
  answeredLine,
  boundAnswerWording,
  decidedCard,
  decidedLine,
  isSocDecision,
  noticeCard,
  questionOutcomeCard,
  recordedWhileDownCard,
  socCard,
  socDecisionLabels,
  stepUpCard,
  stepUpUnavailableCard,
  type AdaptiveCard,
  type LinkCard,
  type SocCardView,
  type SocDecision,
} from '../../activities/teams/cards';
import { cardActivity, createConnectorClient, type ConnectorClient } from '../../activities/teams/connector';
import type { TeamsConfig } from '../../common/config/teams';
import type { CaseState, UserAnswer } from '../../common/triage';
import { renderCase } from '../../common/case-details';
import { caseStateQuery } from '../../common/messages/triage';
import { sendAnswer, sendDecision } from '../triage-client';
import { MISSED_BY_VERB } from '../../activities/teams/missed-by-card';
import { missedByRules, recordMissedFromCase } from './missed-by';
import type { AnalystGroup } from './analyst-group';
import { BotAuthError, createBotTokenVerifier, type BotTokenVerifier } from './auth';
import type { StepUp } from './step-up';

/**
 * The SOC bot's endpoint, `POST /api/messages`. Every activity is authenticated (see `auth.ts`) before anything in it
 * is believed; then the application's own checks: the channel (`msteams` only: an authentic token for Web Chat or
 * Direct Line says nothing about who clicked in Teams), the tenant, a fresh activity id (no replay), the card's HMAC, and
 * the clicker — the asked user on a question card, a configured analyst on a SOC card. Only then does the click become
 * a Signal (durable even while no worker is up; the invoke's activity id is its request id), and the workflow's own
 * checks still have the last word (one answer only, before the deadline), read back through its outcome query.
 *
 * Answers: 200 with `{statusCode:200, type:'application/vnd.microsoft.card.adaptive', value:<card>}` (Teams replaces
 * the card with it); 401 when the request is not from the Bot Framework for this bot; when it is, but the click is not
 * allowed, HTTP 200 with a Universal Actions error body (`application/vnd.microsoft.error`, statusCode 403): Teams
 * shows its message only for an invoke answered 200, and a generic error otherwise; 400 for a malformed body.
 *
 * Clicks arrive as the `adaptiveCard/action` invoke of an `Action.Execute`, or — from a Teams client without Universal
 * Actions — as a message whose `value` is the data of the button's fallback `Action.Submit`. Both are trusted equally:
 * the same Bot Framework token vouches for the clicker's object id, and the same HMAC binds the data to its case, user
 * and choices. Only the answer differs: a message cannot receive a card, so the bot replaces the card with the
 * connector, and tells the clicker of a refusal with a reply.
 */

export interface TeamsBotOptions {
  config: TeamsConfig;
  /** Temporal client the clicks become Signals through. */
  temporal: Client;
  /** Entra object ids of the analysts allowed to decide on SOC cards (SOC_ANALYSTS). */
  analysts: string[];
  /**
   * Analysts named by Entra group as well (SOC_ANALYST_GROUP_ID). A member who is not in `analysts` decides through
   * the bot's own identity (`config.appId`, which must then be in the workflows' analysts list): the workflow's check
   * is that the decision came through the bot, and the bot's that the clicker is in the group.
   */
  analystGroup?: AnalystGroup;
  /**
   * Step-up for "yes" (see `step-up/`): a "Yes" on a card whose rule asks for it answers with a link to the
   * confirmation page instead of sending the answer. Without it such a "Yes" is told that step-up is unavailable.
   */
  stepUp?: StepUp;
  /** How long a click waits for the workflow's outcome before saying "recorded"; Teams gives an invoke about 15 s. Default 3 s. */
  outcomeWaitMs?: number;
  /** Connector used to refresh a decided SOC card for every analyst in the channel; default built from `config`. */
  connector?: ConnectorClient;
  verifier?: BotTokenVerifier;
  /** For the token keys and the connector; default the global fetch. */
  fetch?: typeof fetch;
}

export interface InvokeCardResponse {
  statusCode: 200;
  type: typeof ADAPTIVE_CARD_CONTENT_TYPE;
  value: AdaptiveCard | LinkCard;
}
export interface InvokeErrorResponse {
  statusCode: number;
  type: 'application/vnd.microsoft.error';
  value: { code: string; message: string };
}

/** The two activity types the bot acts on (Bot Framework activity schema names). */
const ActivityTypes = { Message: 'message', Invoke: 'invoke' } as const;

// The parts of a Teams activity the bot relies on; anything else in the body is ignored.
const teamsActivitySchema = z.object({
  type: z.string(),
  id: z.string().min(1).max(256),
  channelId: z.string(),
  serviceUrl: z.string(),
  name: z.string().optional(),
  replyToId: z.string().max(256).optional(),
  from: z.object({ id: z.string(), aadObjectId: z.string().max(64).optional(), name: z.string().max(256).optional() }),
  conversation: z.object({
    id: z.string().min(1).max(1024),
    tenantId: z.string().optional(),
    conversationType: z.string().optional(),
  }),
  channelData: z
    .object({ tenant: z.object({ id: z.string() }).optional() })
    .loose()
    .optional(),
  value: z.unknown().optional(),
});
type TeamsActivity = z.infer<typeof teamsActivitySchema>;

const invokeValueSchema = z.object({
  action: z.object({ type: z.literal('Action.Execute'), verb: z.string().min(1).max(64), data: z.unknown() }),
});
/** The data of a fallback `Action.Submit` (see `cards.ts`): the button's data and its verb. */
const submittedValueSchema = z.object({ verb: z.string().min(1).max(64) }).loose();

/** The only channel whose activities the bot acts on. */
export const TEAMS_CHANNEL_ID = 'msteams';

/** A click, whichever way it came. */
interface Click {
  verb: string;
  data: unknown;
  /** True for a fallback `Action.Submit` (a message activity). */
  submitted: boolean;
}

/** A click's answer; `everyone` when the card should replace the message for the whole conversation. */
interface ClickAnswer {
  response: InvokeCardResponse;
  everyone?: boolean;
}

/** Activity ids already acted on, kept for the longest a token lives (1 h) plus the allowed skew. */
class ReplayGuard {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly ttlMs = 65 * 60_000,
    private readonly max = 50_000,
  ) {}
  /** True the first time an id is offered within the window. */
  firstTime(id: string): boolean {
    const now = Date.now();
    const until = this.seen.get(id);
    if (until !== undefined && until > now) return false;
    this.seen.set(id, now + this.ttlMs);
    if (this.seen.size > this.max) {
      for (const [key, expiry] of this.seen) {
        if (expiry <= now || this.seen.size > this.max) this.seen.delete(key);
        else break;
      }
    }
    return true;
  }
}

class Rejection extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

const cardResponse = (card: AdaptiveCard | LinkCard): InvokeCardResponse => ({
  statusCode: 200,
  type: ADAPTIVE_CARD_CONTENT_TYPE,
  value: card,
});
const errorResponse = (statusCode: number, code: string, message: string): InvokeErrorResponse => ({
  statusCode,
  type: 'application/vnd.microsoft.error',
  value: { code, message },
});

const sentence = (reason: string) => reason.charAt(0).toUpperCase() + reason.slice(1);

const sameId = (a: string | undefined, b: string | undefined) => Boolean(a && b && a.toLowerCase() === b.toLowerCase());
const baseConversationId = (id: string) => id.split(';')[0]!;

export function teamsBot(options: TeamsBotOptions): FastifyPluginAsync {
  const { config, temporal } = options;
  const analysts = new Set(options.analysts.map((a) => a.toLowerCase()));
  const verifier =
    options.verifier ??
    createBotTokenVerifier({ appId: config.appId, openIdMetadataUrl: config.openIdMetadataUrl, fetch: options.fetch });
  const connector = options.connector ?? createConnectorClient(config, { fetch: options.fetch });
  const bind = cardBinder(config.cardHmacKey);
  const replay = new ReplayGuard();
  const waitMs = options.outcomeWaitMs ?? 3_000;
  const requestOf = (activity: TeamsActivity, receivedAt: Date) => ({
    requestId: `teams:${activity.id}`,
    sentAt: receivedAt,
    waitMs,
  });
  const withDeadline = <T>(fn: () => Promise<T>) => temporal.withDeadline(Date.now() + waitMs, fn);

  /** The id a decision is sent as: the analyst's own, the bot's for a member of the analysts' group, else none. */
  async function analystIdOf(clicker: string): Promise<string | undefined> {
    if (analysts.has(clicker.toLowerCase())) return clicker;
    if (options.analystGroup && (await options.analystGroup.isMember(clicker))) return config.appId;
    return undefined;
  }

  async function answer(
    activity: TeamsActivity,
    data: BoundActionData,
    verb: string,
    receivedAt: Date,
  ): Promise<InvokeCardResponse> {
    if (verb !== ANSWER_VERB || data.kind !== 'question')
      throw new Rejection(403, 'the card does not offer that action');
    const asked = data.answerAs ?? data.userId ?? 'the person asked';
    if (!sameId(activity.from.aadObjectId, data.userId)) throw new Rejection(403, `Only ${asked} can answer this`);
    const choice = data.choice as UserAnswer;
    // The card's own words for this answer, from its signed binding (never from the click's unsigned parts).
    const worded = boundAnswerWording(data, choice);
    if (data.stepUp && choice === 'it-was-me') {
      // The answer counts only after a fresh sign-in with MFA: the confirmation page sends it, not this click.
      if (!options.stepUp) return cardResponse(stepUpUnavailableCard());
      const link = options.stepUp.link({
        workflowId: data.workflowId,
        userObjectId: data.userId!,
        answerAs: asked,
        answer: choice,
      });
      return cardResponse(stepUpCard(link, data));
    }
    // Teams vouches for the clicker's object id, and our signed card ties that id to the identity the workflow
    // asked about (the UPN, when the alert named one): the answer is recorded as theirs.
    const outcome = await sendAnswer(
      temporal,
      data.workflowId,
      { userId: asked, answer: choice },
      requestOf(activity, receivedAt),
    );
    switch (outcome.status) {
      case 'applied':
      case 'accepted':
        return cardResponse(questionOutcomeCard('answered', choice, worded));
      case 'pending':
        return cardResponse(recordedWhileDownCard('Thanks — your answer is recorded', answeredLine(choice, worded)));
      case 'closed':
      case 'not-found':
        return cardResponse(questionOutcomeCard('closed'));
      case 'refused': {
        const reason = outcome.reason ?? 'this answer was refused';
        if (/expired/i.test(reason)) return cardResponse(questionOutcomeCard('expired'));
        if (/taken over/i.test(reason)) return cardResponse(questionOutcomeCard('withdrawn'));
        if (/already been answered/i.test(reason)) throw new Rejection(403, 'This question has already been answered');
        if (/^only /i.test(reason)) throw new Rejection(403, `Only ${asked} can answer this`);
        throw new Rejection(403, sentence(reason));
      }
    }
  }

  /** SOC cards act only in the SOC channel, for its analysts. */
  async function analystOf(activity: TeamsActivity): Promise<{ clicker: string; analystId: string; by: string }> {
    if (baseConversationId(activity.conversation.id) !== baseConversationId(config.socConversationId)) {
      throw new Rejection(403, 'Decisions are accepted only in the SOC channel');
    }
    const clicker = activity.from.aadObjectId;
    const analystId = clicker ? await analystIdOf(clicker) : undefined;
    if (!clicker || !analystId) throw new Rejection(403, 'Only SOC analysts can decide on this case');
    return { clicker, analystId, by: activity.from.name ?? clicker };
  }

  /** "Should have been caught by…": a missed-detection record of the named rules, found in this case. */
  async function missedBy(activity: TeamsActivity, data: BoundActionData, click: Click, receivedAt: Date) {
    if (data.kind !== 'soc' || data.choice !== MISSED_BY_VERB)
      throw new Rejection(403, 'the card does not offer that action');
    const { by } = await analystOf(activity);
    const named = missedByRules(click.data);
    if ('problem' in named) throw new Rejection(403, named.problem);
    const { state } = await recordMissedFromCase(temporal, {
      workflowId: data.workflowId,
      rules: named.rules,
      by,
      receivedAt,
      deadlineMs: waitMs,
    });
    const notice = `Recorded: a missed detection of ${named.rules.join(', ')}, found in this case.`;
    if (!state) return { response: cardResponse(noticeCard(notice)) };
    const view = socCardViewOf(data.workflowId, state, { missedBy: named.rules });
    return { response: cardResponse(socCard(view, bind)), everyone: true };
  }

  async function decide(
    activity: TeamsActivity,
    data: BoundActionData,
    verb: string,
    receivedAt: Date,
  ): Promise<ClickAnswer> {
    if (data.kind !== 'soc' || verb !== data.choice || !isSocDecision(verb))
      throw new Rejection(403, 'the card does not offer that action');
    const { clicker, analystId, by } = await analystOf(activity);
    const decision: SocDecision = verb;
    const at = receivedAt.toISOString();
    const viaGroup = analystId !== clicker ? ` (${clicker}, SOC analyst group)` : '';
    const outcome = await sendDecision(
      temporal,
      data.workflowId,
      {
        analystId,
        analystName: by,
        decision,
        note: `${socDecisionLabels[decision]} by ${by}${viaGroup} in Teams`,
      },
      requestOf(activity, receivedAt),
    );
    switch (outcome.status) {
      case 'closed':
        throw new Rejection(403, 'This case is already closed');
      case 'not-found':
        throw new Rejection(403, 'This case no longer exists');
      case 'refused':
        throw new Rejection(403, sentence(outcome.reason ?? 'this decision was refused'));
      case 'pending':
        return {
          response: cardResponse(recordedWhileDownCard('The decision is recorded', decidedLine({ decision, by, at }))),
        };
    }
    const result = outcome.result ?? `${decision} accepted`;
    const handle = temporal.workflow.getHandle(data.workflowId);
    const decided = { decision, by, at, result };
    const state = await withDeadline(() => handle.query(caseStateQuery)).catch(() => undefined);
    if (!state) return { response: cardResponse(decidedCard(decided)) };
    const view = socCardViewOf(data.workflowId, state, {
      closed: state.triageState === 'closed' || decision.startsWith('close-'),
      decided,
    });
    // Teams replaces the card only for the analyst who clicked; the message is updated so the whole channel sees it.
    return { response: cardResponse(socCard(view, bind)), everyone: true };
  }

  /** Parses a click from an `Action.Execute` invoke or a fallback `Action.Submit` message; undefined for other messages. */
  function clickOf(activity: TeamsActivity): Click | undefined {
    if (activity.type === ActivityTypes.Message) {
      if (activity.value === undefined) return undefined;
      const value = submittedValueSchema.safeParse(activity.value);
      if (!value.success) throw new Rejection(400, 'the message carries no card action');
      return { verb: value.data.verb, data: value.data, submitted: true };
    }
    if (activity.type !== ActivityTypes.Invoke) return undefined;
    if (activity.name !== 'adaptiveCard/action')
      throw new Rejection(400, `unsupported invoke "${activity.name ?? ''}"`);
    const value = invokeValueSchema.safeParse(activity.value);
    if (!value.success) throw new Rejection(400, 'the invoke carries no Action.Execute');
    return { verb: value.data.action.verb, data: value.data.action.data, submitted: false };
  }

  async function act(activity: TeamsActivity, click: Click, receivedAt: Date): Promise<ClickAnswer> {
    const checked = verifyCardData(config.cardHmacKey, click.data);
    if (!checked.ok) throw new Rejection(403, `This card cannot be used: ${checked.reason}`);
    if (checked.data.kind === 'soc' && click.verb === MISSED_BY_VERB)
      return missedBy(activity, checked.data, click, receivedAt);
    return checked.data.kind === 'question'
      ? { response: await answer(activity, checked.data, click.verb, receivedAt) }
      : decide(activity, checked.data, click.verb, receivedAt);
  }

  /** A submitted click gets no card back from Teams: replace the message (or reply) through the connector. */
  async function showToConversation(
    activity: TeamsActivity,
    card: AdaptiveCard | LinkCard,
    replace: boolean,
  ): Promise<void> {
    const sent =
      replace && activity.replyToId
        ? connector.updateActivity(activity.conversation.id, activity.replyToId, cardActivity(card))
        : connector.sendActivity(activity.conversation.id, cardActivity(card));
    await sent.catch(() => undefined);
  }

  return async (fastify) => {
    fastify.post('/api/messages', async (request, reply: FastifyReply) => {
      const receivedAt = new Date();
      // Set once a fallback Action.Submit is believed: its refusal is told in a reply, as Teams shows no error body.
      let submitted: TeamsActivity | undefined;
      try {
        const body = request.body as Record<string, unknown> | undefined;
        if (!body || typeof body !== 'object') throw new Rejection(400, 'the body must be a JSON activity');
        await verifier.verify(request.headers.authorization, body);

        let activity: TeamsActivity;
        try {
          activity = teamsActivitySchema.parse(body);
        } catch {
          throw new Rejection(400, 'the body is not a valid activity');
        }
        if (activity.channelId !== TEAMS_CHANNEL_ID) {
          throw new Rejection(403, 'This bot accepts activities only from Microsoft Teams');
        }
        if (!replay.firstTime(activity.id)) throw new Rejection(403, 'This request was already processed');
        const tenants = [activity.channelData?.tenant?.id, activity.conversation.tenantId].filter((t): t is string =>
          Boolean(t),
        );
        if (tenants.length === 0 || !tenants.every((t) => sameId(t, config.tenantId))) {
          throw new Rejection(403, 'This bot serves only its own organisation');
        }
        const click = clickOf(activity);
        if (!click) return reply.code(200).send();
        if (click.submitted) submitted = activity;
        const { response, everyone } = await act(activity, click, receivedAt);
        if (everyone || click.submitted) await showToConversation(activity, response.value, true);
        return reply.code(200).header('content-type', 'application/json').send(response);
      } catch (err) {
        if (err instanceof BotAuthError) {
          request.log.warn({ reason: err.message }, 'Teams activity refused: authentication');
          return reply
            .code(err.status)
            .send({ error: err.status === 401 ? 'unauthorized' : 'unavailable', message: err.message });
        }
        if (err instanceof Rejection) {
          request.log.warn({ reason: err.message, status: err.status }, 'Teams activity refused');
          if (err.status === 401) return reply.code(401).send({ error: 'unauthorized', message: err.message });
          if (err.status === 403 && submitted) await showToConversation(submitted, noticeCard(err.message), false);
          if (err.status === 403) return reply.code(200).send(errorResponse(403, 'Forbidden', err.message));
          return reply.code(err.status).send(errorResponse(err.status, 'BadRequest', err.message));
        }
        // Temporal unreachable: the click may not be recorded; say so in the card's own error format.
        request.log.error({ err }, 'Teams click could not reach the workflow');
        return reply
          .code(200)
          .send(
            errorResponse(
              500,
              'ServiceUnavailable',
              'We could not record this right now. Please try again in a minute.',
            ),
          );
      }
    });
  };
}

export interface BotServerOptions extends TeamsBotOptions {
  logger?: FastifyServerOptions['logger'];
}

/** A Fastify server with the bot at POST /api/messages; call `listen({ host: config.botHost, port: config.botPort })`. */
export async function buildBotServer(options: BotServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 256 * 1024 });
  await app.register(teamsBot(options));
  if (options.stepUp) await app.register(options.stepUp.routes);
  return app;
}

/** The SOC card of a case as it is now; `extra` adds what the click just did. */
function socCardViewOf(workflowId: string, state: CaseState, extra: Partial<SocCardView>): SocCardView {
  return {
    workflowId,
    alert: state.alert,
    reason: state.escalations.at(-1)?.reason ?? 'escalated to analysts',
    disposition: state.disposition,
    summary: renderCase(state),
    containment: state.containment,
    closed: state.triageState === 'closed',
    ...extra,
  };
}
