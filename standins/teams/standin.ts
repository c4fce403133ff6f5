import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { cardText } from '../../activities/teams/cards';
import { renderPage } from './page';

/**
 * A local Microsoft Teams for tests and demos: the Bot Framework's token issuer and OpenID metadata (a local RSA key
 * set, keys endorsed for `msteams`), the Entra token endpoint the bot signs in with, and the Bot Connector REST API
 * (create a 1:1 conversation, post and replace activities) that records every card. `clickCard` plays a person
 * clicking a button: it sends the bot a signed `adaptiveCard/action` invoke, exactly as Teams would, and any part of
 * it can be forged or broken for the security tests. Served over HTTPS with the stand-in certificate
 * (`standins/tls.ts`); processes that call it trust that certificate through NODE_EXTRA_CA_CERTS.
 *
 * Demo: GET / shows every conversation and its cards with working buttons; GET /_standin/messages and
 * POST /_standin/click are the same for the CLI (see `control.ts`).
 */

export interface StandInUser {
  /** Entra object id. */
  id: string;
  name: string;
  upn?: string;
  /** Only chooses who the demo page clicks as by default on SOC cards. */
  analyst?: boolean;
}

export type ConnectorOperationName = 'token' | 'createConversation' | 'sendActivity' | 'updateActivity';

export interface InjectedFault {
  operation: ConnectorOperationName;
  status: number;
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
  /** How many calls fail; default 1. */
  times?: number;
}

export interface CardVersion {
  at: string;
  source: 'post' | 'put' | 'invoke-response';
  card: unknown;
  /** For an invoke response: who clicked. */
  by?: string;
}

export interface StandInMessage {
  conversationId: string;
  activityId: string;
  kind: 'personal' | 'channel';
  /** Personal chats: the user the bot is talking to. */
  userId?: string;
  postedAt: string;
  /** The card everyone in the conversation sees now. */
  card: unknown;
  /** In a channel, an invoke response replaces the card only for the person who clicked. */
  views: Record<string, unknown>;
  versions: CardVersion[];
}

export interface ClickOptions {
  /** Entra object id of the person clicking. */
  as: string;
  /** Display name Teams sends; default the directory name. */
  name?: string;
  /** The message holding the card; default the newest message with buttons this person can see. */
  activityId?: string;
  /** The button, by title ("Yes, this was me") … */
  button?: string;
  /** … or by verb (and `choice` when several buttons share a verb). */
  verb?: string;
  choice?: string;
  /** Click a button of an older version of the card (0 = as first posted): a stale card on a device that did not refresh. */
  version?: number;
  /**
   * Send the button's fallback `Action.Submit` as a message (a Teams client without Universal Actions) instead of the
   * `adaptiveCard/action` invoke; Teams then shows no card from the answer.
   */
  submit?: boolean;
  /** Merged over the button's data: how a tampered card is sent. */
  data?: Record<string, unknown>;
  /** Breaks the Bot Framework token. */
  token?: {
    issuer?: string;
    audience?: string;
    /** Seconds until expiry from now; negative for an expired token. Default 3600. */
    expiresInSeconds?: number;
    serviceUrl?: string;
    /**
     * `unendorsed`: a published key endorsed for webchat and directline but not msteams; `rogue`: an unpublished key
     * using the real key's kid.
     */
    key?: 'msteams' | 'unendorsed' | 'rogue';
    omit?: boolean;
  };
  /** Breaks the activity envelope. */
  activity?: { serviceUrl?: string; tenantId?: string; channelId?: string; conversationId?: string };
}

export interface SentRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface ClickResult {
  /** The HTTP status of the bot's answer. */
  status: number;
  /** The invoke response's own `statusCode` (what Teams acts on), when the body has one. */
  statusCode?: number;
  body: unknown;
  /** The card Teams would now show (the invoke response's card), if any. */
  card?: unknown;
  /** The message of an error response (`application/vnd.microsoft.error` or the bot's 401 body). */
  message?: string;
  request: SentRequest;
  activityId: string;
  as: string;
}

export interface TeamsStandInOptions {
  users: StandInUser[];
  appId?: string;
  appSecret?: string;
  tenantId?: string;
  socConversationId?: string;
  /** The bot's POST /api/messages URL (may be set later with `setBotEndpoint`). */
  botEndpoint?: string;
  tls?: { cert: string; key: string };
  host?: string;
  port?: number;
}

export interface TeamsStandIn {
  url: string;
  /** The Bot Connector base URL ("…/teams/"), as in TEAMS_SERVICE_URL. */
  serviceUrl: string;
  openIdMetadataUrl: string;
  tokenEndpoint: string;
  appId: string;
  appSecret: string;
  tenantId: string;
  socConversationId: string;
  users: StandInUser[];
  /** The certificate it serves (PEM): trust it with NODE_EXTRA_CA_CERTS or `fetchTrusting`. */
  caCert: string;
  /** TEAMS_* variables pointing a bot and messenger at this stand-in (for `loadTeamsConfig`). */
  env(extra?: Record<string, string>): Record<string, string>;
  setBotEndpoint(url: string): void;
  messages(filter?: { userId?: string; kind?: 'personal' | 'channel' }): StandInMessage[];
  /** Every connector request, in order. */
  requests: { method: string; path: string; status: number; operation: ConnectorOperationName | 'metadata' | 'keys' }[];
  /** The user blocked the bot: posts to their chat answer 403 MessageWritesBlocked. */
  blockUser(userId: string): void;
  injectFault(fault: InjectedFault): void;
  clickCard(options: ClickOptions): Promise<ClickResult>;
  /** Sends a previously sent click again, byte for byte (same token, same activity id). */
  resend(previous: ClickResult): Promise<ClickResult>;
  close(): Promise<void>;
}

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function makeKey(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid: randomUUID(), privateKey, publicJwk: await exportJWK(publicKey) };
}

function standInTls(): { cert: string; key: string } {
  const certPath = process.env.SOC_STANDIN_TLS_CERT;
  const keyPath = process.env.SOC_STANDIN_TLS_KEY;
  if (!certPath || !keyPath) {
    throw new Error(
      'the Teams stand-in serves HTTPS: pass `tls`, or set SOC_STANDIN_TLS_CERT/SOC_STANDIN_TLS_KEY (see standins/tls.ts ensureStandInTls)',
    );
  }
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
const SCOPE = 'https://api.botframework.com/.default';

const createConversationBody = z.object({
  bot: z.object({ id: z.string() }).optional(),
  members: z.array(z.object({ id: z.string().min(1) })).length(1),
  isGroup: z.boolean().optional(),
  tenantId: z.string().optional(),
  channelData: z.object({ tenant: z.object({ id: z.string() }) }).optional(),
});
const activityBody = z.object({
  type: z.literal('message'),
  attachments: z
    .array(
      z.object({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        content: z.object({ type: z.literal('AdaptiveCard') }).loose(),
      }),
    )
    .min(1),
});
const tokenBody = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string(),
  client_secret: z.string(),
  scope: z.string(),
});
const executeAction = z.object({
  type: z.literal('Action.Execute'),
  title: z.string(),
  verb: z.string(),
  data: z.record(z.string(), z.unknown()).default({}),
  fallback: z
    .object({ type: z.literal('Action.Submit'), data: z.record(z.string(), z.unknown()).default({}) })
    .optional(),
});
const controlClick = z.object({
  as: z.string().min(1),
  activityId: z.string().optional(),
  button: z.string().optional(),
  verb: z.string().optional(),
  choice: z.string().optional(),
});

function secretEquals(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export function cardButtons(card: unknown): z.infer<typeof executeAction>[] {
  const actions = (card as { actions?: unknown })?.actions;
  if (!Array.isArray(actions)) return [];
  return actions.flatMap((a) => {
    const parsed = executeAction.safeParse(a);
    return parsed.success ? [parsed.data] : [];
  });
}

export async function startTeamsStandIn(options: TeamsStandInOptions): Promise<TeamsStandIn> {
  const appId = options.appId ?? randomUUID();
  const appSecret = options.appSecret ?? `standin-secret-${randomUUID()}`;
  const tenantId = options.tenantId ?? randomUUID();
  const socConversationId = options.socConversationId ?? '19:soc-triage-analysts@thread.tacv2';
  const users = options.users.map((u) => ({ ...u }));
  const [teamsKey, unendorsedKey, rogueKey, entraKey] = await Promise.all([makeKey(), makeKey(), makeKey(), makeKey()]);
  let botEndpoint = options.botEndpoint;
  const blocked = new Set<string>();
  const faults: (InjectedFault & { left: number })[] = [];
  const messages: StandInMessage[] = [];
  const conversations = new Map<string, { kind: 'personal' | 'channel'; userId?: string }>([
    [socConversationId, { kind: 'channel' }],
  ]);
  const requests: TeamsStandIn['requests'] = [];
  let lastPageResult: ClickResult | undefined;

  const tls = options.tls ?? standInTls();
  const app: FastifyInstance = Fastify({
    https: { cert: tls.cert, key: tls.key },
    logger: false,
  }) as unknown as FastifyInstance;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // Known once listening (routes read them at request time).
  let url = '';
  let serviceUrl = '';

  function takeFault(operation: ConnectorOperationName): InjectedFault | undefined {
    const index = faults.findIndex((f) => f.operation === operation);
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.left -= 1;
    if (fault.left <= 0) faults.splice(index, 1);
    return fault;
  }

  function fail(
    reply: import('fastify').FastifyReply,
    status: number,
    code: string,
    message: string,
    retryAfterSeconds?: number,
  ) {
    if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
    return reply.code(status).send({ error: { code, message } });
  }

  /** Checks the bot's own token (from our token endpoint) on connector calls. */
  async function connectorCaller(authorization: string | undefined): Promise<boolean> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!token) return false;
    try {
      const { payload } = await jwtVerify(token, entraKey.publicJwk, {
        issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
        audience: 'https://api.botframework.com',
        algorithms: ['RS256'],
      });
      return payload.appid === appId;
    } catch {
      return false;
    }
  }

  /**
   * The checks every connector call meets first: the bot's token, then any fault injected for the operation. Answers
   * the refusal itself and returns true; it returns no reply because a Fastify reply is thenable and `await` would
   * swallow it.
   */
  async function refusedConnectorCall(
    request: import('fastify').FastifyRequest,
    reply: import('fastify').FastifyReply,
    operation: ConnectorOperationName,
  ): Promise<boolean> {
    if (!(await connectorCaller(request.headers.authorization))) {
      fail(reply, 401, 'Unauthorized', 'Authorization has been denied for this request.');
      return true;
    }
    const fault = takeFault(operation);
    if (!fault) return false;
    fail(reply, fault.status, fault.code ?? 'ServiceError', fault.message ?? 'injected fault', fault.retryAfterSeconds);
    return true;
  }

  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const operation: TeamsStandIn['requests'][number]['operation'] | undefined = path.endsWith('/oauth2/v2.0/token')
      ? 'token'
      : path.endsWith('openidconfiguration')
        ? 'metadata'
        : path.endsWith('/keys')
          ? 'keys'
          : path === '/teams/v3/conversations'
            ? 'createConversation'
            : path.startsWith('/teams/v3/conversations/') && request.method === 'POST'
              ? 'sendActivity'
              : path.startsWith('/teams/v3/conversations/') && request.method === 'PUT'
                ? 'updateActivity'
                : undefined;
    if (operation) requests.push({ method: request.method, path, status: reply.statusCode, operation });
  });

  // ---- Bot Framework OpenID metadata and keys ------------------------------------------------------------------------

  app.get('/v1/.well-known/openidconfiguration', async () => ({
    issuer: BOT_FRAMEWORK_ISSUER,
    authorization_endpoint: `${url}/v1/botframework.com/oauth2/v2.0/authorize`,
    jwks_uri: `${url}/v1/.well-known/keys`,
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
  }));

  app.get('/v1/.well-known/keys', async () => ({
    keys: [
      { ...teamsKey.publicJwk, kid: teamsKey.kid, use: 'sig', endorsements: ['msteams'] },
      { ...unendorsedKey.publicJwk, kid: unendorsedKey.kid, use: 'sig', endorsements: ['webchat', 'directline'] },
    ],
  }));

  // ---- Entra token endpoint for the bot ------------------------------------------------------------------------------

  app.post('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const fault = takeFault('token');
    if (fault)
      return fail(
        reply,
        fault.status,
        fault.code ?? 'temporarily_unavailable',
        fault.message ?? 'injected fault',
        fault.retryAfterSeconds,
      );
    const { tenant } = request.params as { tenant: string };
    const body = tokenBody.safeParse(request.body);
    if (tenant !== tenantId)
      return reply.code(400).send({ error: 'invalid_request', error_description: `tenant ${tenant} not found` });
    if (!body.success)
      return reply.code(400).send({ error: 'invalid_request', error_description: 'client_credentials form expected' });
    if (body.data.client_id !== appId || !secretEquals(body.data.client_secret, appSecret)) {
      return reply
        .code(401)
        .send({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    }
    if (body.data.scope !== SCOPE)
      return reply.code(400).send({ error: 'invalid_scope', error_description: `scope must be ${SCOPE}` });
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ appid: appId, azp: appId, tid: tenantId, ver: '2.0' })
      .setProtectedHeader({ alg: 'RS256', kid: entraKey.kid, typ: 'JWT' })
      .setIssuer(`https://login.microsoftonline.com/${tenantId}/v2.0`)
      .setAudience('https://api.botframework.com')
      .setIssuedAt(now)
      .setNotBefore(now - 300)
      .setExpirationTime(now + 3600)
      .sign(entraKey.privateKey);
    return { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken };
  });

  // ---- Bot Connector -------------------------------------------------------------------------------------------------

  app.post('/teams/v3/conversations', async (request, reply) => {
    if (await refusedConnectorCall(request, reply, 'createConversation')) return reply;
    const body = createConversationBody.safeParse(request.body);
    if (!body.success) return fail(reply, 400, 'BadSyntax', 'Incorrect conversation creation parameters');
    const tenant = body.data.channelData?.tenant.id ?? body.data.tenantId;
    if (tenant !== tenantId)
      return fail(reply, 403, 'Forbidden', 'The bot is not part of the conversation roster (tenant).');
    const memberId = body.data.members[0]!.id;
    const user = users.find((u) => u.id.toLowerCase() === memberId.toLowerCase());
    if (!user) return fail(reply, 404, 'NotFound', 'User not found in the tenant');
    const conversationId = `a:${createHash('sha256').update(`${appId}|${user.id}`).digest('base64url').slice(0, 40)}`;
    conversations.set(conversationId, { kind: 'personal', userId: user.id });
    return reply.code(201).send({ id: conversationId });
  });

  app.post('/teams/v3/conversations/:conversationId/activities', async (request, reply) => {
    if (await refusedConnectorCall(request, reply, 'sendActivity')) return reply;
    const { conversationId } = request.params as { conversationId: string };
    const conversation = conversations.get(conversationId);
    if (!conversation) return fail(reply, 404, 'ConversationNotFound', 'Conversation not found.');
    if (conversation.userId && blocked.has(conversation.userId)) {
      return fail(reply, 403, 'MessageWritesBlocked', 'The user has blocked the bot; the message was not delivered.');
    }
    const body = activityBody.safeParse(request.body);
    if (!body.success) return fail(reply, 400, 'BadSyntax', `Invalid activity: ${body.error.issues[0]?.message ?? ''}`);
    const activityId = `${Date.now()}${String(messages.length).padStart(4, '0')}`;
    const card = body.data.attachments[0]!.content;
    const at = new Date().toISOString();
    messages.push({
      conversationId,
      activityId,
      kind: conversation.kind,
      userId: conversation.userId,
      postedAt: at,
      card,
      views: {},
      versions: [{ at, source: 'post', card }],
    });
    return reply.code(201).send({ id: activityId });
  });

  app.put('/teams/v3/conversations/:conversationId/activities/:activityId', async (request, reply) => {
    if (await refusedConnectorCall(request, reply, 'updateActivity')) return reply;
    const { conversationId, activityId } = request.params as { conversationId: string; activityId: string };
    const base = conversationId.split(';')[0]!;
    const message = messages.find((m) => m.conversationId === base && m.activityId === activityId);
    if (!message) return fail(reply, 404, 'ActivityNotFound', 'Activity not found.');
    if (message.userId && blocked.has(message.userId))
      return fail(reply, 403, 'MessageWritesBlocked', 'The user has blocked the bot.');
    const body = activityBody.safeParse(request.body);
    if (!body.success) return fail(reply, 400, 'BadSyntax', `Invalid activity: ${body.error.issues[0]?.message ?? ''}`);
    const card = body.data.attachments[0]!.content;
    message.card = card;
    message.views = {};
    message.versions.push({ at: new Date().toISOString(), source: 'put', card });
    return reply.code(200).send({ id: activityId });
  });

  // ---- Teams clicking a card -----------------------------------------------------------------------------------------

  function visibleCard(message: StandInMessage, userId: string): unknown {
    return message.views[userId] ?? message.card;
  }

  async function send(request: SentRequest, meta: { activityId: string; as: string }): Promise<ClickResult> {
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      /* not JSON */
    }
    const parsed = body as
      { statusCode?: number; type?: string; value?: { message?: string }; message?: string } | undefined;
    const card = parsed?.type === 'application/vnd.microsoft.card.adaptive' ? parsed.value : undefined;
    const message = parsed?.type === 'application/vnd.microsoft.error' ? parsed.value?.message : parsed?.message;
    const statusCode = typeof parsed?.statusCode === 'number' ? parsed.statusCode : undefined;
    return { status: response.status, statusCode, body, card, message, request, ...meta };
  }

  async function clickCard(click: ClickOptions): Promise<ClickResult> {
    if (!botEndpoint) throw new Error('the stand-in does not know the bot endpoint yet (setBotEndpoint)');
    const user = users.find((u) => u.id.toLowerCase() === click.as.toLowerCase());
    const message = click.activityId
      ? messages.find((m) => m.activityId === click.activityId)
      : messages
          .filter(
            (m) => (m.kind === 'channel' || m.userId === click.as) && cardButtons(visibleCard(m, click.as)).length > 0,
          )
          .at(-1);
    if (!message) throw new Error(`no card ${click.activityId ?? 'with buttons'} for ${click.as}`);
    const shown = click.version === undefined ? visibleCard(message, click.as) : message.versions[click.version]?.card;
    const buttons = cardButtons(shown);
    const button = buttons.find((b) =>
      click.button
        ? b.title === click.button
        : b.verb === click.verb && (click.choice === undefined || b.data.choice === click.choice),
    );
    if (!button) {
      throw new Error(
        `card ${message.activityId} has no button ${click.button ?? `${click.verb}/${click.choice}`}; it has ${buttons.map((b) => b.title).join(', ') || 'none'}`,
      );
    }
    const serviceUrlForActivity = click.activity?.serviceUrl ?? serviceUrl;
    const tenant = click.activity?.tenantId ?? tenantId;
    const conversationId =
      click.activity?.conversationId ??
      (message.kind === 'channel'
        ? `${message.conversationId};messageid=${message.activityId}`
        : message.conversationId);
    const activityId = `f:${randomUUID()}`;
    if (click.submit && !button.fallback) throw new Error(`button ${button.title} has no fallback Action.Submit`);
    const clickData = { ...(click.submit ? button.fallback!.data : button.data), ...click.data };
    const activity = {
      ...(click.submit ? { type: 'message', text: '' } : { type: 'invoke', name: 'adaptiveCard/action' }),
      id: activityId,
      timestamp: new Date().toISOString(),
      localTimestamp: new Date().toISOString(),
      serviceUrl: serviceUrlForActivity,
      channelId: click.activity?.channelId ?? 'msteams',
      from: { id: `29:${click.as}`, aadObjectId: click.as, name: click.name ?? user?.name ?? 'Unknown user' },
      conversation: {
        id: conversationId,
        conversationType: message.kind,
        tenantId: tenant,
        ...(message.kind === 'channel' ? { isGroup: true } : {}),
      },
      recipient: { id: `28:${appId}`, name: 'SOC Triage' },
      replyToId: message.activityId,
      entities: [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' }],
      channelData: {
        tenant: { id: tenant },
        source: { name: 'message' },
        ...(message.kind === 'channel'
          ? { channel: { id: message.conversationId }, team: { id: message.conversationId } }
          : {}),
      },
      value: click.submit
        ? clickData
        : {
            action: { type: 'Action.Execute', title: button.title, verb: button.verb, data: clickData },
            trigger: 'manual',
          },
      locale: 'en-US',
    };

    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!click.token?.omit) {
      const key =
        click.token?.key === 'unendorsed'
          ? unendorsedKey
          : click.token?.key === 'rogue'
            ? { ...rogueKey, kid: teamsKey.kid }
            : teamsKey;
      const now = Math.floor(Date.now() / 1000);
      const exp = now + (click.token?.expiresInSeconds ?? 3600);
      const token = await new SignJWT({ serviceurl: click.token?.serviceUrl ?? serviceUrlForActivity })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(click.token?.issuer ?? BOT_FRAMEWORK_ISSUER)
        .setAudience(click.token?.audience ?? appId)
        .setIssuedAt(Math.min(now, exp - 3600))
        .setNotBefore(Math.min(now, exp - 3600))
        .setExpirationTime(exp)
        .sign(key.privateKey);
      headers.authorization = `Bearer ${token}`;
    }
    const result = await send(
      { url: botEndpoint, headers, body: JSON.stringify(activity) },
      { activityId: message.activityId, as: click.as },
    );
    // A message gets no card back in Teams: only an invoke's answer replaces the card.
    if (result.status === 200 && result.card && !click.submit) {
      // What Teams does with an Action.Execute response: replace the card for the person who clicked.
      const version: CardVersion = {
        at: new Date().toISOString(),
        source: 'invoke-response',
        card: result.card,
        by: click.as,
      };
      message.versions.push(version);
      if (message.kind === 'personal') message.card = result.card;
      else message.views[click.as] = result.card;
    }
    return result;
  }

  // ---- demo page and CLI control -------------------------------------------------------------------------------------

  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return renderPage({ messages, users, socConversationId, lastResult: lastPageResult });
  });

  app.post('/_standin/page-click', async (request, reply) => {
    const form = controlClick.safeParse(request.body);
    if (form.success) {
      lastPageResult = await clickCard(form.data).catch((err: unknown) => ({
        status: 0,
        body: undefined,
        message: err instanceof Error ? err.message : String(err),
        request: { url: '', headers: {}, body: '' },
        activityId: form.data.activityId ?? '',
        as: form.data.as,
      }));
    }
    return reply.redirect('/', 303);
  });

  app.get('/_standin/messages', async () =>
    messages.map((m) => ({
      conversationId: m.conversationId,
      activityId: m.activityId,
      kind: m.kind,
      userId: m.userId,
      postedAt: m.postedAt,
      text: cardText(m.card),
      buttons: cardButtons(m.card).map((b) => b.title),
    })),
  );

  app.get('/_standin/users', async () => users);

  app.post('/_standin/click', async (request, reply) => {
    const body = controlClick.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ message: 'expected { as, activityId?, button? | verb? }' });
    try {
      const result = await clickCard(body.data);
      return {
        status: result.statusCode ?? result.status,
        message: result.message,
        text: result.card ? cardText(result.card) : undefined,
      };
    } catch (err) {
      return reply.code(404).send({ message: err instanceof Error ? err.message : String(err) });
    }
  });

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('stand-in has no TCP address');
  url = `https://127.0.0.1:${address.port}`;
  serviceUrl = `${url}/teams/`;
  const tokenEndpoint = `${url}/${tenantId}/oauth2/v2.0/token`;
  const openIdMetadataUrl = `${url}/v1/.well-known/openidconfiguration`;

  return {
    url,
    serviceUrl,
    openIdMetadataUrl,
    tokenEndpoint,
    appId,
    appSecret,
    tenantId,
    socConversationId,
    users,
    caCert: tls.cert,
    requests,
    env(extra = {}) {
      return {
        TEAMS_APP_ID: appId,
        TEAMS_APP_SECRET: appSecret,
        TEAMS_TENANT_ID: tenantId,
        TEAMS_SERVICE_URL: serviceUrl,
        TEAMS_TOKEN_ENDPOINT: tokenEndpoint,
        TEAMS_OPENID_METADATA_URL: openIdMetadataUrl,
        TEAMS_SOC_CONVERSATION_ID: socConversationId,
        TEAMS_CARD_HMAC_KEY: `standin-card-key-${createHash('sha256').update(appSecret).digest('hex')}`,
        ...extra,
      };
    },
    setBotEndpoint(endpoint) {
      botEndpoint = endpoint;
    },
    messages(filter = {}) {
      return messages.filter(
        (m) => (!filter.userId || m.userId === filter.userId) && (!filter.kind || m.kind === filter.kind),
      );
    },
    blockUser(userId) {
      blocked.add(userId);
    },
    injectFault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    clickCard,
    resend(previous) {
      return send(previous.request, { activityId: previous.activityId, as: previous.as });
    },
    async close() {
      await app.close();
    },
  };
}
