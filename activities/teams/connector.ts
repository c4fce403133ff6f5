import { z } from 'zod';
import { BOT_FRAMEWORK_SCOPE, type TeamsConfig } from '../../common/config/teams';

/**
 * The three Bot Connector REST calls the SOC bot needs (create a 1:1 conversation, post an activity, replace an
 * activity) and the bot's own client-credentials token. Plain `fetch` with a timeout per call, no retries: inside a
 * Temporal activity, Temporal retries (see `ConnectorError.retryable` and `retryAfterMs`).
 */

export type ConnectorOperation = 'token' | 'createConversation' | 'sendActivity' | 'updateActivity';

export class ConnectorError extends Error {
  override name = 'ConnectorError';
  constructor(
    readonly operation: ConnectorOperation,
    /** HTTP status; 0 when no answer arrived (network error, timeout). */
    readonly status: number,
    /** Error code from the body (`error.code`, a `subCode`, or OAuth's `error`), when there is one. */
    readonly code: string | undefined,
    message: string,
    /** From `Retry-After`, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** 408, 429 and 5xx (and no answer at all) may succeed later; every other status will not. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface ConnectorOptions {
  /** Milliseconds per HTTP call; default 15 s (the activities calling this have a 1-minute start-to-close timeout). */
  timeoutMs?: number;
  now?: () => number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** The outgoing activity: a message carrying one Adaptive Card. */
export interface CardActivity {
  type: 'message';
  summary?: string;
  attachments: { contentType: 'application/vnd.microsoft.card.adaptive'; content: unknown }[];
}

export function cardActivity(card: unknown, summary?: string): CardActivity {
  return {
    type: 'message',
    ...(summary ? { summary } : {}),
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }],
  };
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().int().positive(),
});
const resourceResponse = z.object({ id: z.string().min(1) });
const optionalResourceResponse = z.object({ id: z.string().optional() }).optional();
const errorBody = z
  .object({
    error: z
      .union([
        z.object({ code: z.string().optional(), message: z.string().optional(), subCode: z.string().optional() }),
        z.string(),
      ])
      .optional(),
    error_description: z.string().optional(),
    subCode: z.string().optional(),
    message: z.string().optional(),
  })
  .optional();

export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 300) };
  }
}

async function call(
  operation: ConnectorOperation,
  url: string,
  init: RequestInit,
  options: Required<ConnectorOptions>,
): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await options.fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (err) {
    const cause =
      err instanceof Error
        ? err.name === 'TimeoutError'
          ? `no answer within ${options.timeoutMs} ms`
          : err.message
        : String(err);
    throw new ConnectorError(operation, 0, undefined, `${operation}: ${cause}`);
  }
  const body = await readJson(response);
  if (response.ok) return { status: response.status, body };
  const parsed = errorBody.safeParse(body);
  const details = parsed.success ? parsed.data : undefined;
  const inner = typeof details?.error === 'object' ? details.error : undefined;
  const code =
    inner?.subCode ??
    details?.subCode ??
    inner?.code ??
    (typeof details?.error === 'string' ? details.error : undefined);
  const message = inner?.message ?? details?.error_description ?? details?.message ?? response.statusText;
  throw new ConnectorError(
    operation,
    response.status,
    code,
    `${operation}: HTTP ${response.status}${code ? ` ${code}` : ''}${message ? ` — ${message}` : ''}`,
    parseRetryAfter(response.headers.get('retry-after'), options.now()),
  );
}

function parseBody<T>(operation: ConnectorOperation, schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ConnectorError(
      operation,
      502,
      'UnexpectedResponse',
      `${operation}: unexpected response (${parsed.error.issues[0]?.message ?? 'invalid'})`,
    );
  }
  return parsed.data;
}

export interface BotTokenSource {
  get(): Promise<string>;
  /** Forgets the cached token (after the connector answered 401). */
  invalidate(): void;
}

/** Client-credentials token for the Bot Connector, cached until five minutes before it expires. */
export function createBotTokenSource(
  config: Pick<TeamsConfig, 'appId' | 'appSecret' | 'tokenEndpoint'>,
  options: ConnectorOptions = {},
): BotTokenSource {
  const opts = { timeoutMs: 15_000, now: Date.now, fetch: globalThis.fetch, ...options };
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  return {
    async get() {
      if (cached && opts.now() < cached.renewAt) return cached.token;
      inFlight ??= (async () => {
        try {
          const { body } = await call(
            'token',
            config.tokenEndpoint,
            {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({
                grant_type: 'client_credentials',
                client_id: config.appId,
                client_secret: config.appSecret,
                scope: BOT_FRAMEWORK_SCOPE,
              }).toString(),
            },
            opts,
          );
          const token = parseBody('token', tokenResponse, body);
          cached = { token: token.access_token, renewAt: opts.now() + Math.max(60, token.expires_in - 300) * 1000 };
          return token.access_token;
        } finally {
          inFlight = undefined;
        }
      })();
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

export interface ConnectorClient {
  /** Creates (or finds: Teams answers the same id again) the bot's 1:1 chat with a user, by Entra object id. */
  createPersonalConversation(userObjectId: string): Promise<string>;
  sendActivity(conversationId: string, activity: CardActivity): Promise<string>;
  updateActivity(conversationId: string, activityId: string, activity: CardActivity): Promise<void>;
}

export function createConnectorClient(
  config: Pick<TeamsConfig, 'appId' | 'appSecret' | 'tokenEndpoint' | 'tenantId' | 'serviceUrl'>,
  options: ConnectorOptions & { tokens?: BotTokenSource } = {},
): ConnectorClient {
  const opts = { timeoutMs: 15_000, now: Date.now, fetch: globalThis.fetch, ...options };
  const tokens = options.tokens ?? createBotTokenSource(config, opts);
  const base = config.serviceUrl.endsWith('/') ? config.serviceUrl : `${config.serviceUrl}/`;

  async function authorized(operation: ConnectorOperation, method: string, path: string, payload: unknown) {
    const token = await tokens.get();
    try {
      return await call(
        operation,
        new URL(path, base).toString(),
        {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        },
        opts,
      );
    } catch (err) {
      if (err instanceof ConnectorError && err.status === 401) tokens.invalidate();
      throw err;
    }
  }

  return {
    async createPersonalConversation(userObjectId) {
      const { body } = await authorized('createConversation', 'POST', 'v3/conversations', {
        bot: { id: `28:${config.appId}` },
        members: [{ id: userObjectId }],
        isGroup: false,
        tenantId: config.tenantId,
        channelData: { tenant: { id: config.tenantId } },
      });
      return parseBody('createConversation', resourceResponse, body).id;
    },
    async sendActivity(conversationId, activity) {
      const { body } = await authorized(
        'sendActivity',
        'POST',
        `v3/conversations/${encodeURIComponent(conversationId)}/activities`,
        activity,
      );
      return parseBody('sendActivity', resourceResponse, body).id;
    },
    async updateActivity(conversationId, activityId, activity) {
      const { body } = await authorized(
        'updateActivity',
        'PUT',
        `v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(activityId)}`,
        { ...activity, id: activityId },
      );
      parseBody('updateActivity', optionalResourceResponse, body);
    },
  };
}
