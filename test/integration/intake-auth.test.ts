import { randomUUID } from 'node:crypto';
import type { IntakeSource, SourceAuth } from '../../common/config/intake';
import { signBody } from '../../client/intake/auth';
import { connectDevServer, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';
import {
  captureLogs,
  deliver,
  fixtureJson,
  fixtures,
  startTestIntake,
  type Delivery,
  type LogCapture,
  type TestIntake,
} from '../harness/intake';

/** Each method accepts the right secret and refuses a wrong, missing or replayed one; secrets never reach the logs. */

const TOKEN = 'tok-5b9f0c2e8a7d4e1f';
const HMAC_SECRET = 'hmac-9c1e7a2b4d6f8e0a';
const PASSWORD = 'pw-3e5a7c9b1d2f4a6e';
const HEADER_TOKEN = 'hdr-7d2c4e6a8b0f1a3c';

const auth: Partial<Record<IntakeSource, SourceAuth>> = {
  splunk: { method: 'url-token', token: TOKEN },
  elastic: { method: 'hmac', secret: HMAC_SECRET },
  sentinel: { method: 'basic', username: 'logicapp', password: PASSWORD },
  ocsf: { method: 'header', token: HEADER_TOKEN, header: 'x-api-key' },
  generic: { method: 'bearer', token: TOKEN },
};

let temporal: DevServerHarness;
let intake: TestIntake;
let logs: LogCapture;
let starts: jest.SpyInstance;

beforeAll(async () => {
  temporal = await connectDevServer();
  logs = captureLogs();
  intake = await startTestIntake({
    client: temporal.client,
    taskQueue: uniqueTaskQueue('intake-auth'),
    config: { auth },
    logs,
  });
  starts = jest.spyOn(temporal.client.workflow, 'start');
});
afterAll(async () => {
  await intake?.close();
  await temporal?.teardown();
});

const genericAlert = () => ({
  sourceAlertId: randomUUID(),
  ruleId: 'auth-test',
  ruleName: 'Auth test',
  severity: 'low',
  detectedAt: new Date().toISOString(),
  title: 'An alert to authenticate',
});

/** Sends `delivery` and checks that a refusal started no workflow. */
async function send(source: IntakeSource, delivery: Delivery) {
  const before = starts.mock.calls.length;
  const response = await deliver(intake, source, delivery);
  if (response.statusCode >= 400) expect(starts.mock.calls.length).toBe(before);
  return response;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('bearer: the right token is accepted; a wrong or missing one gets 401 with a challenge', async () => {
  expect(
    (await send('generic', { body: genericAlert(), headers: { authorization: `Bearer ${TOKEN}` } })).statusCode,
  ).toBe(202);
  const wrong = await send('generic', { body: genericAlert(), headers: { authorization: `Bearer ${TOKEN}x` } });
  expect([wrong.statusCode, wrong.json().error, wrong.headers.get('www-authenticate')]).toEqual([
    401,
    'invalid_credentials',
    'Bearer',
  ]);
  const missing = await send('generic', { body: genericAlert() });
  expect([missing.statusCode, missing.json().error]).toEqual([401, 'missing_credentials']);
  // A token meant for the URL is not accepted where a header is configured.
  expect((await send('generic', { body: genericAlert(), query: `token=${TOKEN}` })).statusCode).toBe(401);
});

test('token in the URL (Splunk): right, wrong and missing', async () => {
  const body = fixtureJson(fixtures.splunk);
  expect((await send('splunk', { body, query: `token=${TOKEN}` })).statusCode).toBeLessThan(300);
  expect((await send('splunk', { body, query: 'token=guess' })).json()).toEqual({
    error: 'invalid_credentials',
    message: 'the token in the URL is not valid',
  });
  expect((await send('splunk', { body, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(401);
});

test.each([
  ['?%74oken=', `%74oken=${TOKEN}`, 'accepted'],
  ['?TOKEN=', `TOKEN=${TOKEN}`, 'accepted'],
  ['?t%6F%6Ben= beside the instance', `instance=splunk-a&t%6F%6Ben=${TOKEN}`, 'accepted'],
  ['the token twice', `token=${TOKEN}&%74oken=${TOKEN}`, 'missing_credentials'],
  ['a wrong token under an encoded name', '%74oken=guess', 'invalid_credentials'],
])('token in the URL named %s: read by its parsed name, and never in the log', async (_what, query, expected) => {
  const lines = logs.lines().length;
  const answer = await send('splunk', { body: fixtureJson(fixtures.splunk), query });
  expect(answer.statusCode < 300 ? 'accepted' : answer.json().error).toBe(expected);
  const written = logs
    .lines()
    .slice(lines)
    .map((line) => JSON.stringify(line))
    .join('\n');
  expect(written).toMatch(/\[redacted\]/);
  expect(written).not.toContain(TOKEN);
  expect(written).not.toContain('guess');
});

test('custom header token: right, wrong and missing', async () => {
  const body = {
    ...fixtureJson(fixtures.ocsf),
    finding_info: { ...fixtureJson<{ finding_info: object }>(fixtures.ocsf).finding_info, uid: randomUUID() },
  };
  expect((await send('ocsf', { body, headers: { 'x-api-key': HEADER_TOKEN } })).statusCode).toBe(202);
  expect((await send('ocsf', { body, headers: { 'x-api-key': 'nope' } })).statusCode).toBe(401);
  expect((await send('ocsf', { body, headers: { authorization: `Bearer ${HEADER_TOKEN}` } })).json().error).toBe(
    'missing_credentials',
  );
});

test('Basic: right credentials accepted; a wrong password, a wrong user or none get 401', async () => {
  const body = fixtureJson(fixtures.sentinel);
  expect(
    (await send('sentinel', { body, headers: { authorization: basic('logicapp', PASSWORD) } })).statusCode,
  ).toBeLessThan(300);
  expect((await send('sentinel', { body, headers: { authorization: basic('logicapp', 'wrong') } })).statusCode).toBe(
    401,
  );
  expect((await send('sentinel', { body, headers: { authorization: basic('someone', PASSWORD) } })).statusCode).toBe(
    401,
  );
  const none = await send('sentinel', { body });
  expect([none.statusCode, none.headers.get('www-authenticate')]).toEqual([
    401,
    'Basic realm="soc-intake", charset="UTF-8"',
  ]);
});

test('HMAC: a fresh signature is accepted once; a replay, a stale timestamp, a changed body or a wrong secret are refused', async () => {
  const delivery = fixtureJson<{ alerts: Record<string, unknown>[] }>(fixtures.elastic);
  delivery.alerts = delivery.alerts.map((alert) => ({ ...alert, 'kibana.alert.uuid': randomUUID() }));
  const body = JSON.stringify(delivery);
  const headers = signBody(HMAC_SECRET, body);

  const accepted = await send('elastic', { body, headers });
  expect(accepted.statusCode).toBe(202);
  expect(accepted.json().results.map((r) => r.outcome)).toEqual(['started', 'started']);

  const replay = await send('elastic', { body, headers });
  expect([replay.statusCode, replay.json().error]).toEqual([401, 'replayed_signature']);

  const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
  const stale = await send('elastic', { body, headers: signBody(HMAC_SECRET, body, sixMinutesAgo) });
  expect([stale.statusCode, stale.json().error]).toEqual([401, 'stale_signature']);

  const tampered = await send('elastic', {
    body: body.replace('203.0.113.45', '192.0.2.1'),
    headers: signBody(HMAC_SECRET, body),
  });
  expect([tampered.statusCode, tampered.json().error]).toEqual([401, 'invalid_credentials']);
  expect((await send('elastic', { body, headers: signBody('another-secret-123456', body) })).statusCode).toBe(401);
  expect((await send('elastic', { body })).json().error).toBe('missing_credentials');

  // The same body signed again later is a new delivery: its alerts are duplicates, not refused.
  const resent = await send('elastic', {
    body,
    headers: signBody(HMAC_SECRET, body, Math.floor(Date.now() / 1000) + 1),
  });
  expect([resent.statusCode, resent.json().status]).toEqual([200, 'duplicate']);
});

test('a source without credentials configured is disabled (403), and no secret ever appears in the logs', async () => {
  const disabled = await startTestIntake({
    client: temporal.client,
    taskQueue: uniqueTaskQueue('intake-auth'),
    config: { auth: { generic: undefined } },
  });
  const response = await deliver(disabled, 'generic', {
    body: genericAlert(),
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect([response.statusCode, response.json().error]).toEqual([403, 'source_disabled']);
  await disabled.close();

  const text = logs.text();
  expect(text).toMatch(/token=\[redacted\]/);
  for (const secret of [
    TOKEN,
    HMAC_SECRET,
    PASSWORD,
    HEADER_TOKEN,
    Buffer.from(`logicapp:${PASSWORD}`).toString('base64'),
  ]) {
    expect(text).not.toContain(secret);
  }
});
