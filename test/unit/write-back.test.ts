import { createSiemWriteBack } from '../../activities/write-back';
import { commentIdOf, commentOf, markerOf } from '../../activities/write-back/comment';
import { defenderVerdict, sentinelVerdict } from '../../activities/write-back/verdicts';
import { defender, pushSources, type SourceAdapter } from '../../client/intake/sources';
import { ConfigError } from '../../common/config';
import { defaultCommentTemplate, loadWriteBackConfig } from '../../common/config/write-back';
import type { WriteBackRequest } from '../../common/write-back';
import { fixtureJson, fixtures, problems } from '../harness/intake';

const { elastic, generic, sentinel, splunk } = pushSources;

/** What write-back keeps of each delivery, its configuration, and the words and marks it writes. */

function originOf(adapter: SourceAdapter, document: unknown) {
  const { items, envelope } = adapter.split([document]);
  return adapter.normalize(items[0], { envelope }).alert.origin;
}

describe('each normalizer keeps where its alert lives, and nothing else', () => {
  test('Sentinel: the incident ARM id from object.id (not the incident number)', () => {
    const body = fixtureJson<{ object: { id: string } }>(fixtures.sentinel);
    expect(originOf(sentinel, body)).toEqual({ kind: 'sentinel', incidentArmId: body.object.id });
    for (const id of ['/subscriptions/x/elsewhere', body.object.id.replace(/Incidents\/.*$/, 'Incidents/..')])
      expect(originOf(sentinel, { ...body, object: { ...body.object, id } })).toBeUndefined();
  });

  test('Splunk: an ES notable by its event_id; a core alert has nothing to write to', () => {
    const body = fixtureJson<{ result: Record<string, string> }>(fixtures.splunk);
    expect(originOf(splunk, body)).toBeUndefined();
    const notable = { ...body, result: { ...body.result, event_id: 'E1@@notable@@abc' } };
    expect(originOf(splunk, notable)).toEqual({ kind: 'splunk', notableEventId: 'E1@@notable@@abc' });
  });

  test('Elastic: the alert uuid, the space from its URL, the Kibana it came from', () => {
    const body = fixtureJson<{ alerts: Record<string, unknown>[] }>(fixtures.elastic);
    expect(originOf(elastic, body)).toEqual({
      kind: 'elastic',
      kibanaAlertIds: [body.alerts[0]!['kibana.alert.uuid']],
      space: 'default',
      kibanaUrl: 'https://kibana.example.com',
    });
    const inSoc = {
      ...body.alerts[0],
      'kibana.alert.url': 'https://kibana.example.com/s/soc-team/app/security/alerts/redirect/x',
    };
    expect(originOf(elastic, inSoc)).toMatchObject({ space: 'soc-team' });
  });

  test('Defender XDR: the alert id (the poller hands Graph alerts to this same normalizer)', () => {
    const body = fixtureJson<{ id: string }>(fixtures.defender);
    expect(originOf(defender, body)).toEqual({ kind: 'defender', defenderAlertId: body.id });
  });

  test('a generic forwarder cannot name an origin', () => {
    const alert = {
      sourceAlertId: 'a-1',
      ruleId: 'r',
      ruleName: 'R',
      title: 'T',
      severity: 'low',
      detectedAt: '2026-11-02T14:18:41Z',
      origin: { kind: 'defender', defenderAlertId: 'x' },
    };
    expect(problems(() => generic.normalize(alert, {}))[0]?.message).toBe('unknown field "origin"');
  });
});

describe('configuration', () => {
  test('off for every source unless configured; all four transitions and the default comment when on', () => {
    const config = loadWriteBackConfig({});
    expect([config.defender, config.sentinel, config.splunk, config.elastic]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const splunkOn = loadWriteBackConfig({
      SOC_WRITEBACK_SPLUNK_URL: 'https://es.example.com:8089',
      SOC_WRITEBACK_SPLUNK_TOKEN: 'a-long-token-value',
      SOC_WRITEBACK_SPLUNK_TRANSITIONS: 'closed, escalated',
    });
    expect(splunkOn.splunk).toMatchObject({
      baseUrl: 'https://es.example.com:8089',
      transitions: ['closed', 'escalated'],
      commentTemplate: defaultCommentTemplate,
    });
  });

  test.each([
    [{ SOC_WRITEBACK_SPLUNK_URL: 'https://es.example.com:8089' }, 'SOC_WRITEBACK_SPLUNK_TOKEN'],
    [{ SOC_WRITEBACK_ELASTIC_API_KEY: 'abcdefghijk' }, 'SOC_WRITEBACK_ELASTIC_KIBANA_URL'],
    [{ SOC_WRITEBACK_DEFENDER: 'on' }, 'SOC_WRITEBACK_DEFENDER'],
    [{ SOC_WRITEBACK_SENTINEL: 'yes' }, 'SOC_WRITEBACK_SENTINEL'],
    [
      {
        SOC_WRITEBACK_DEFENDER: 'on',
        GRAPH_TENANT_ID: 'contoso.example',
        SOC_WRITEBACK_DEFENDER_TRANSITIONS: 'resolved',
      },
      'SOC_WRITEBACK_DEFENDER_TRANSITIONS',
    ],
    [
      {
        SOC_WRITEBACK_SENTINEL: 'on',
        GRAPH_TENANT_ID: 'contoso.example',
        SOC_WRITEBACK_SENTINEL_COMMENT: 'see {link}',
      },
      'SOC_WRITEBACK_SENTINEL_COMMENT',
    ],
    [
      { SOC_WRITEBACK_SENTINEL: 'on', GRAPH_TENANT_ID: 'contoso.example', SOC_WRITEBACK_SENTINEL_OWNER: 'jdoe' },
      'SOC_WRITEBACK_SENTINEL_OWNER',
    ],
    [
      { SOC_WRITEBACK_SPLUNK_URL: 'http://es:8089', SOC_WRITEBACK_SPLUNK_TOKEN: 'a-long-token' },
      'SOC_WRITEBACK_SPLUNK_URL',
    ],
    [{ SOC_WRITEBACK_CASE_URL: 'https://ui.example.com/cases' }, 'SOC_WRITEBACK_CASE_URL'],
  ])('%j stops start-up naming %s', (env, variable) => {
    expect(() => loadWriteBackConfig(env)).toThrow(ConfigError);
    expect(() => loadWriteBackConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });
});

describe('what is written', () => {
  const request: WriteBackRequest = {
    workflowId: 'triage:sentinel:law:44204ea9',
    transition: 'closed',
    source: 'sentinel',
    origin: { kind: 'splunk', notableEventId: 'E1' },
    title: 'Sign-in from public IP',
    severity: 'high',
    disposition: 'false-positive',
    triageState: 'closed',
    reason: 'closed as false-positive by an analyst',
    namesUser: true,
  };

  test('the comment follows the template, links the case, and ends with a marker per case and transition', () => {
    const text = commentOf(request, { commentTemplate: defaultCommentTemplate }, 'https://ui/wf/{workflowId}');
    expect(text).toContain('closed: closed as false-positive by an analyst');
    expect(text).toContain('https://ui/wf/triage%3Asentinel%3Alaw%3A44204ea9');
    expect(text.endsWith(markerOf(request))).toBe(true);
    expect(markerOf(request)).toBe(markerOf({ ...request }));
    expect(markerOf(request)).not.toBe(markerOf({ ...request, transition: 'triaged' }));
    expect(markerOf(request)).not.toBe(markerOf({ ...request, workflowId: 'triage:sentinel:law:other' }));
    expect(commentIdOf(request)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('verdicts in each source’s own values', () => {
    expect(defenderVerdict(request)).toEqual({ classification: 'falsePositive', determination: 'notMalicious' });
    expect(defenderVerdict({ disposition: 'true-positive', namesUser: true })).toEqual({
      classification: 'truePositive',
      determination: 'compromisedAccount',
    });
    expect(defenderVerdict({ disposition: 'benign-positive', namesUser: false }).classification).toBe(
      'informationalExpectedActivity',
    );
    expect(sentinelVerdict('benign-positive')).toEqual({
      classification: 'BenignPositive',
      classificationReason: 'SuspiciousButExpected',
    });
    expect(sentinelVerdict('undetermined')).toEqual({ classification: 'Undetermined' });
  });

  test('a source with no configuration is "not configured"; a transition its TRANSITIONS leave out is skipped', async () => {
    const config = loadWriteBackConfig({
      SOC_WRITEBACK_SPLUNK_URL: 'https://es.example.com:8089',
      SOC_WRITEBACK_SPLUNK_TOKEN: 'a-long-token-value',
      SOC_WRITEBACK_SPLUNK_TRANSITIONS: 'escalated',
    });
    const writes: string[] = [];
    const port = createSiemWriteBack(config, {
      splunk: { write: async (r) => (writes.push(r.transition), 'written') },
    });
    expect(await port.write({ ...request, origin: { kind: 'defender', defenderAlertId: 'x' } })).toEqual({
      status: 'not-configured',
      detail: 'write-back to defender not configured',
    });
    expect(await port.write(request)).toMatchObject({ status: 'skipped' });
    expect(await port.write({ ...request, transition: 'escalated' })).toEqual({ status: 'written', detail: 'written' });
    expect(writes).toEqual(['escalated']);
  });
});
