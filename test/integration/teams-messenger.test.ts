import { ApplicationFailure } from '@temporalio/common';
import type { Messenger } from '../../activities/ports';
import { cardText } from '../../activities/teams/cards';
import { createTeamsMessenger, decodeMessageRef } from '../../activities/teams/messenger';
import { ConfigError } from '../../common/config/env';
import { loadTeamsConfig, type TeamsConfig } from '../../common/config/teams';
import type { UserQuestion } from '../../common/triage';
import { startTeamsStandIn, type TeamsStandIn } from '../../standins/teams/standin';
import { fetchTrusting } from '../../standins/teams/trust';
import { JDOE, makeAlert } from '../harness/alerts';

/**
 * The Teams messenger against the Bot Connector stand-in, without a workflow: what each answer from Teams becomes for
 * Temporal (retry after Retry-After, or fail for good with a reason an analyst can read), and the configuration.
 */

let standIn: TeamsStandIn;
let config: TeamsConfig;
let fetch: typeof globalThis.fetch;

beforeAll(async () => {
  standIn = await startTeamsStandIn({ users: [{ id: JDOE.id, name: 'Jane Doe', upn: JDOE.upn }] });
  config = loadTeamsConfig(standIn.env())!;
  fetch = fetchTrusting(standIn.caCert);
});
afterAll(async () => {
  await standIn?.close();
});

function question(overrides: Partial<UserQuestion> = {}): UserQuestion {
  return {
    workflowId: `wf-${Math.random()}`,
    alert: makeAlert(),
    user: { objectId: JDOE.id, userPrincipalName: JDOE.upn },
    deadline: '2030-01-01T10:30:00.000Z',
    facts: [{ label: 'When', value: '2030-01-01T10:00:00.000Z' }],
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

const tokenRequests = () => standIn.requests.filter((r) => r.operation === 'token').length;

describe('configuration', () => {
  const valid = () => standIn.env();

  test('no TEAMS_* variable: not configured', () => {
    expect(loadTeamsConfig({ PATH: '/usr/bin' })).toBeUndefined();
  });

  test('defaults point at Microsoft', () => {
    const env = valid();
    delete (env as Record<string, string | undefined>).TEAMS_SERVICE_URL;
    delete (env as Record<string, string | undefined>).TEAMS_TOKEN_ENDPOINT;
    delete (env as Record<string, string | undefined>).TEAMS_OPENID_METADATA_URL;
    const loaded = loadTeamsConfig(env)!;
    expect(loaded.serviceUrl).toBe('https://smba.trafficmanager.net/teams/');
    expect(loaded.tokenEndpoint).toBe(`https://login.microsoftonline.com/${standIn.tenantId}/oauth2/v2.0/token`);
    expect(loaded.openIdMetadataUrl).toBe('https://login.botframework.com/v1/.well-known/openidconfiguration');
    expect(loaded.botPort).toBe(3978);
  });

  function configError(env: Record<string, string>): ConfigError {
    try {
      loadTeamsConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('the configuration was accepted');
  }

  test('some TEAMS_* variable but no app id: ConfigError names TEAMS_APP_ID', () => {
    expect(configError({ TEAMS_BOT_PORT: '3978' })).toMatchObject({
      variable: 'TEAMS_APP_ID',
      message: expect.stringMatching(/must be set/),
    });
  });

  test.each([
    [{ TEAMS_APP_ID: 'not-a-guid' }, 'TEAMS_APP_ID', /must be a GUID/],
    [{ TEAMS_SERVICE_URL: 'http://smba.trafficmanager.net/teams/' }, 'TEAMS_SERVICE_URL', /must be an https:\/\/ URL/],
    [{ TEAMS_OPENID_METADATA_URL: 'login.botframework.com' }, 'TEAMS_OPENID_METADATA_URL', /must be an https:\/\/ URL/],
    [{ TEAMS_CARD_HMAC_KEY: 'short' }, 'TEAMS_CARD_HMAC_KEY', /at least 32 characters/],
    [{ TEAMS_SOC_CONVERSATION_ID: '' }, 'TEAMS_SOC_CONVERSATION_ID', /must be set/],
    [{ TEAMS_BOT_PORT: 'eighty' }, 'TEAMS_BOT_PORT', /expected number|port/],
  ])('invalid: %j names %s', (override, variable, problem) => {
    const error = configError({ ...valid(), ...override });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(problem);
  });
});

describe('messenger', () => {
  let messenger: Messenger;
  beforeAll(() => {
    messenger = createTeamsMessenger(config, { fetch });
  });

  test('asks in a 1:1 chat created by object id, signs in once, and replaces the card when the question settles', async () => {
    const before = tokenRequests();
    const { messageRef } = await messenger.askUser(question());
    const ref = decodeMessageRef(messageRef)!;
    const second = await messenger.askUser(question());
    expect(decodeMessageRef(second.messageRef)!.conversationId).toBe(ref.conversationId);
    expect(tokenRequests() - before).toBe(1);

    const message = standIn.messages().find((m) => m.activityId === ref.activityId)!;
    expect(message).toMatchObject({ kind: 'personal', userId: JDOE.id, conversationId: ref.conversationId });
    expect(cardText(message.card)).toContain('When: 2030-01-01 10:00 UTC');
    expect(cardText(message.card)).toContain('Please answer by 2030-01-01 10:30 UTC');

    await messenger.updateQuestion({ workflowId: 'wf', user: { objectId: JDOE.id }, messageRef, outcome: 'withdrawn' });
    expect(cardText(message.card)).toContain('The security team has taken over this case');
    expect(message.versions.map((v) => v.source)).toEqual(['post', 'put']);
  });

  test('429 is retried after Retry-After; 503 is retried; both succeed once Teams recovers', async () => {
    standIn.injectFault({ operation: 'sendActivity', status: 429, code: 'TooManyRequests', retryAfterSeconds: 7 });
    const throttled = await failure(messenger.askUser(question()));
    expect(throttled.nonRetryable).toBe(false);
    expect(throttled.nextRetryDelay).toBe(7_000);
    expect(throttled.message).toMatch(/HTTP 429 TooManyRequests/);

    standIn.injectFault({ operation: 'createConversation', status: 503, code: 'ServiceUnavailable' });
    const unavailable = await failure(messenger.askUser(question()));
    expect(unavailable.nonRetryable).toBe(false);
    expect(unavailable.nextRetryDelay).toBeUndefined();

    await expect(messenger.askUser(question())).resolves.toHaveProperty('messageRef');
  });

  test('a token the connector refuses is dropped and fetched again on the retry', async () => {
    await messenger.askUser(question());
    standIn.injectFault({ operation: 'createConversation', status: 401, code: 'Unauthorized' });
    const refused = await failure(messenger.askUser(question()));
    expect(refused.nonRetryable).toBe(false);
    const before = tokenRequests();
    await messenger.askUser(question());
    expect(tokenRequests()).toBe(before + 1);
  });

  test('permanent answers fail for good, with a reason an analyst can act on', async () => {
    const upnOnly = await failure(messenger.askUser(question({ user: { userPrincipalName: JDOE.upn } })));
    expect(upnOnly.nonRetryable).toBe(true);
    expect(upnOnly.message).toBe(
      'Teams reaches people by Entra object id, and the alert names only jdoe@contoso.example',
    );

    const wrongSecret = createTeamsMessenger({ ...config, appSecret: 'not-the-secret' }, { fetch });
    const signIn = await failure(wrongSecret.askUser(question()));
    expect(signIn.nonRetryable).toBe(true);
    expect(signIn.message).toMatch(/could not sign in \(HTTP 401 invalid_client\); check TEAMS_APP_ID/);

    const noChannel = createTeamsMessenger({ ...config, socConversationId: '19:nobody@thread.tacv2' }, { fetch });
    const escalation = await failure(
      noChannel.escalate({
        workflowId: 'wf',
        alert: makeAlert(),
        reason: 'test',
        disposition: 'undetermined',
        summary: 'x',
        containment: [],
        attempt: 1,
      }),
    );
    expect(escalation.nonRetryable).toBe(true);
    expect(escalation.message).toBe('Teams does not know the SOC channel (404 ConversationNotFound)');

    const badRef = await failure(
      messenger.updateQuestion({ workflowId: 'wf', user: {}, messageRef: 'question-1', outcome: 'expired' }),
    );
    expect(badRef.nonRetryable).toBe(true);
  });
});
