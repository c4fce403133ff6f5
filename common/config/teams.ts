import { z } from 'zod';
import { ConfigError, listenPort, parseVar, type Env } from './env';

/**
 * Microsoft Teams: the bot that asks the affected user "was this you?" and posts escalations to the SOC channel.
 * Not configured (no TEAMS_* variable set) → `undefined`: the demo uses the in-memory messenger or the stand-in.
 */
export interface TeamsConfig {
  /** The bot's Microsoft App ID (Entra app registration client id); also the audience of incoming tokens. */
  appId: string;
  appSecret: string;
  /** The one Entra tenant whose users and channels the bot serves; activities from other tenants are refused. */
  tenantId: string;
  /** Bot Connector base URL for proactive messages, ending with "/". */
  serviceUrl: string;
  /** OAuth 2.0 client-credentials token endpoint for the bot's own token (scope https://api.botframework.com/.default). */
  tokenEndpoint: string;
  /** Where the keys that sign incoming Bot Framework tokens are published. */
  openIdMetadataUrl: string;
  /** Conversation id of the SOC channel (19:…@thread.tacv2) that receives escalation cards. */
  socConversationId: string;
  /** Key for the HMAC that binds card buttons to their case, user and choices. */
  cardHmacKey: Buffer;
  /** Where the bot endpoint (POST /api/messages) listens. */
  botHost: string;
  botPort: number;
}

export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';
export const DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
export const DEFAULT_OPENID_METADATA_URL = 'https://login.botframework.com/v1/.well-known/openidconfiguration';

const variables = [
  'TEAMS_APP_ID',
  'TEAMS_APP_SECRET',
  'TEAMS_TENANT_ID',
  'TEAMS_SERVICE_URL',
  'TEAMS_TOKEN_ENDPOINT',
  'TEAMS_OPENID_METADATA_URL',
  'TEAMS_SOC_CONVERSATION_ID',
  'TEAMS_CARD_HMAC_KEY',
  'TEAMS_BOT_HOST',
  'TEAMS_BOT_PORT',
] as const;

const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');
const httpsUrl = z
  .string()
  .refine((raw) => URL.canParse(raw) && new URL(raw).protocol === 'https:', 'must be an https:// URL')
  .transform((raw) => new URL(raw).toString());

function required<T>(env: Env, variable: (typeof variables)[number], schema: z.ZodType<T>, why: string): T {
  const value = parseVar(env, variable, schema);
  if (value === undefined) throw new ConfigError(variable, `must be set: ${why}`);
  return value;
}

export function loadTeamsConfig(env: Env = process.env): TeamsConfig | undefined {
  const anySet = variables.some((v) => (env[v] ?? '').trim() !== '');
  if (!anySet) return undefined;
  // The values with defaults are checked first, so an invalid one is named as itself, not as a missing app id.
  const botHost = parseVar(
    env,
    'TEAMS_BOT_HOST',
    z.string().regex(/^[A-Za-z0-9.:-]{1,255}$/, 'must be a host name or IP address to listen on, such as 0.0.0.0'),
    '127.0.0.1',
  )!;
  const botPort = parseVar(env, 'TEAMS_BOT_PORT', listenPort, 3978)!;
  const serviceUrl = parseVar(env, 'TEAMS_SERVICE_URL', httpsUrl, DEFAULT_SERVICE_URL)!.replace(/\/?$/, '/');
  const openIdMetadataUrl = parseVar(env, 'TEAMS_OPENID_METADATA_URL', httpsUrl, DEFAULT_OPENID_METADATA_URL)!;
  const appId = required(
    env,
    'TEAMS_APP_ID',
    guid,
    'the Teams bot is configured (some TEAMS_* variable is set) but has no app id',
  );
  const appSecret = required(
    env,
    'TEAMS_APP_SECRET',
    z.string().min(8, 'looks too short to be a client secret'),
    'the bot needs its client secret to send messages',
  );
  const tenantId = required(env, 'TEAMS_TENANT_ID', guid, 'the bot serves exactly one tenant');
  const tokenEndpoint = parseVar(
    env,
    'TEAMS_TOKEN_ENDPOINT',
    httpsUrl,
    `https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/token`,
  )!;
  const socConversationId = required(
    env,
    'TEAMS_SOC_CONVERSATION_ID',
    z
      .string()
      .min(3)
      .max(512)
      .regex(/^[^\s/?#]+$/, 'must be a Teams conversation id such as 19:…@thread.tacv2'),
    'escalations need a SOC channel',
  );
  const cardHmacKey = Buffer.from(
    required(
      env,
      'TEAMS_CARD_HMAC_KEY',
      z.string().min(32, 'must be at least 32 characters of random secret'),
      'card buttons are signed with it',
    ),
    'utf8',
  );
  return {
    appId,
    appSecret,
    tenantId,
    serviceUrl,
    tokenEndpoint,
    openIdMetadataUrl,
    socConversationId,
    cardHmacKey,
    botHost,
    botPort,
  };
}
