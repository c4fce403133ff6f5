import { MAX_WORKFLOW_ID_BYTES, triageWorkflowId } from '../../common/alert';
import { redactUrl } from '../../client/intake/redact';
import { pushSources, defender, type NormalizedAlert, type SourceAdapter } from '../../client/intake/sources';
import { epochOfSid } from '../../client/intake/sources/splunk';
import { fixtureJson, fixtures, problems } from '../harness/intake';

/**
 * Deliveries shaped the way each product emits them, one table per promise of issue 14: ids of any length and content,
 * the Splunk rule and trigger time, closes with the source's verdict, secret parameters in any encoding, OCSF 1.8
 * entities and activities. (What these do to cases over HTTP is in intake-siem-deliveries.test.ts.)
 */

const context = { upnSuffix: 'example.com' };

function normalize(adapter: SourceAdapter, document: unknown): NormalizedAlert {
  const { items, envelope } = adapter.split([document]);
  expect(items).toHaveLength(1);
  return adapter.normalize(items[0], { ...context, envelope });
}

type Json = Record<string, unknown>;
const splunkBody = fixtureJson<Json & { result: Json }>(fixtures.splunk);
const incident = fixtureJson<Json & { object: { name: string; properties: Json } }>(fixtures.sentinel);
const finding = fixtureJson<Json & { finding_info: Json }>(fixtures.ocsf);
const graphAlert = fixtureJson<Json>(fixtures.defender);

const withIncident = (properties: Json, extra: Json = {}) => ({
  ...incident,
  ...extra,
  object: { ...incident.object, properties: { ...incident.object.properties, ...properties } },
});

describe('1. any id maps to a valid, stable workflow id; text that is not Unicode is refused by field', () => {
  const ids: [string, string][] = [
    ['short ASCII', 'abc-123'],
    ['512 characters that triple when percent-encoded', 'é'.repeat(512)],
    ['512 emoji', '🙂'.repeat(512)],
    ['separators and escapes', `a:b/c%20d?e#f ${'%'.repeat(400)}`],
  ];
  test.each(ids)('%s', (_what, sourceAlertId) => {
    const identity = { source: 'generic' as const, sourceInstance: 'i'.repeat(200), sourceAlertId };
    const id = triageWorkflowId(identity);
    expect(Buffer.byteLength(id, 'utf8')).toBeLessThanOrEqual(MAX_WORKFLOW_ID_BYTES);
    expect(id).toMatch(/^triage:generic:i+/);
    expect(triageWorkflowId({ ...identity })).toBe(id);
    expect(triageWorkflowId({ ...identity, sourceAlertId: `${sourceAlertId}x` })).not.toBe(id);
  });

  test('an id that fits keeps its readable form (existing cases keep their ids)', () => {
    expect(triageWorkflowId({ source: 'splunk', sourceInstance: 'default', sourceAlertId: 'a b' })).toBe(
      'triage:splunk:default:a%20b',
    );
  });

  const lone: [string, SourceAdapter, unknown, string][] = [
    ['Splunk sid', pushSources.splunk, { ...splunkBody, sid: 'scheduler__a_at_1793629200_1\ud800' }, 'sid'],
    [
      'Splunk correlation search',
      pushSources.splunk,
      { ...splunkBody, result: { ...splunkBody.result, event_id: 'e-1', search_name: 'Rule \udc00' } },
      'result.search_name',
    ],
    [
      'Sentinel incident id',
      pushSources.sentinel,
      { ...incident, object: { ...incident.object, name: 'inc-\ud800' } },
      'object.name',
    ],
    ['Sentinel title', pushSources.sentinel, withIncident({ title: 'x\ud83d' }), 'object.properties.title'],
    [
      'OCSF finding uid',
      pushSources.ocsf,
      { ...finding, finding_info: { ...finding.finding_info, uid: '\udfff' } },
      'finding_info.uid',
    ],
    ['generic id', pushSources.generic, { ...genericAlert(), sourceAlertId: 'g-\ud800' }, 'sourceAlertId'],
  ];
  test.each(lone)('a lone surrogate in the %s is refused naming the field', (_what, adapter, body, path) => {
    expect(problems(() => normalize(adapter, body))).toContainEqual({
      path,
      message: expect.stringMatching(/not valid Unicode/),
    });
  });
});

function genericAlert(): Json {
  return {
    sourceAlertId: 'g-1',
    ruleId: 'rule',
    ruleName: 'Rule',
    severity: 'low',
    detectedAt: '2026-11-02T14:00:00Z',
    title: 'An alert',
  };
}

describe('2. Splunk: the correlation search is the rule of a notable; every sid form gives the trigger time', () => {
  const notable = (result: Json) => ({
    ...splunkBody,
    // The saved search that forwards notables to the webhook, not the rule.
    search_name: 'Forward notables to SOC triage',
    sid: 'scheduler__admin__SplunkEnterpriseSecuritySuite__RMD5f00_at_1793629200_77',
    result: { _time: '1793629121', event_id: 'N-1@@notable@@1', rule_id: 'N-1@@notable@@1', ...result },
  });
  const rules: [string, Json, string, string][] = [
    [
      'search_name of the row',
      {
        search_name: 'Access - Brute Force Access Behavior Detected - Rule',
        source: 'Access - Brute Force Access Behavior Detected - Rule',
        rule_name: 'Brute Force Access Behavior Detected',
      },
      'Access - Brute Force Access Behavior Detected - Rule',
      'Brute Force Access Behavior Detected',
    ],
    [
      'source of the row when search_name is missing',
      { source: 'Threat - Threat List Activity - Rule' },
      'Threat - Threat List Activity - Rule',
      'Threat - Threat List Activity - Rule',
    ],
  ];
  test.each(rules)('a forwarded notable: %s', (_what, result, ruleId, ruleName) => {
    const { alert } = normalize(pushSources.splunk, notable(result));
    expect([alert.ruleId, alert.ruleName]).toEqual([ruleId, ruleName]);
  });

  test('a core alert keeps its saved search as the rule', () => {
    const { alert } = normalize(pushSources.splunk, splunkBody);
    expect(alert.ruleId).toBe(splunkBody.search_name);
  });

  const sids: [string, string][] = [
    ['scheduled', 'scheduler__admin__search__RMD5a81c3e5f2b7d9e04_at_1793629200_8812'],
    [
      'scheduled on a search head cluster',
      'scheduler__nobody__search__RMD5aa_at_1793629200_12_6A4E1C8B-2B0C-4F41-8D3A-9E2F1B7C5D44',
    ],
    ['real-time scheduled', 'rt_scheduler__admin__search__RMD5a81c3e5f2b7d9e04_at_1793629200_3'],
    ['real-time ad hoc', 'rt_md_1793629200.41'],
    ['ad hoc', 'md_1793629200.41'],
    ['plain', '1793629200.41'],
    ['a user search', 'admin__admin__search__search1_1793629200.41'],
    ['remote', 'remote_sh01_1793629200.41'],
  ];
  test.each(sids)('%s sid without _time', (_what, sid) => {
    expect(epochOfSid(sid)).toBe('1793629200');
    const { _time: _dropped, ...row } = splunkBody.result;
    const { alert } = normalize(pushSources.splunk, { ...splunkBody, sid, result: row });
    expect(alert.detectedAt).toBe('2026-11-02T14:20:00.000Z');
  });

  test('a sid with no time and no _time is still refused, naming _time', () => {
    const { _time: _dropped, ...row } = splunkBody.result;
    expect(problems(() => normalize(pushSources.splunk, { ...splunkBody, sid: 'adhoc-x', result: row }))).toEqual([
      { path: 'result._time', message: 'is required (the sid carries no trigger time either)' },
    ]);
  });
});

describe('3. a close from the source carries its verdict and who closed it', () => {
  const owner = {
    objectId: null,
    email: 'ana@example.com',
    assignedTo: 'Ana Lyst',
    userPrincipalName: 'ana@example.com',
  };
  const closes: [string, SourceAdapter, unknown, string, string | undefined][] = [
    ...(
      [
        ['TruePositive', 'true-positive'],
        ['BenignPositive', 'benign-positive'],
        ['FalsePositive', 'false-positive'],
        ['Undetermined', 'undetermined'],
      ] as const
    ).map(([classification, disposition]): [string, SourceAdapter, unknown, string, string | undefined] => [
      `Sentinel Closed as ${classification}`,
      pushSources.sentinel,
      withIncident(
        { status: 'Closed', classification, classificationReason: 'SuspiciousActivity', owner },
        { objectEventType: 'Update' },
      ),
      disposition,
      'ana@example.com',
    ]),
    [
      'OCSF activity 3 Close',
      pushSources.ocsf,
      { ...finding, activity_id: 3, status_id: 4 },
      'undetermined',
      'Example EDR',
    ],
    [
      'OCSF status 4 Resolved on an update',
      pushSources.ocsf,
      { ...finding, activity_id: 2, status_id: 4 },
      'undetermined',
      'Example EDR',
    ],
    [
      'OCSF status 3 Suppressed',
      pushSources.ocsf,
      { ...finding, activity_id: 2, status_id: 3 },
      'undetermined',
      'Example EDR',
    ],
    [
      'OCSF close with a false-positive verdict',
      pushSources.ocsf,
      { ...finding, activity_id: 3, verdict_id: 1 },
      'false-positive',
      'Example EDR',
    ],
    [
      'Defender resolved as false positive',
      defender,
      { ...graphAlert, status: 'resolved', classification: 'falsePositive', assignedTo: 'ana@example.com' },
      'false-positive',
      'ana@example.com',
    ],
    [
      'Defender resolved as expected activity',
      defender,
      { ...graphAlert, status: 'resolved', classification: 'informationalExpectedActivity', assignedTo: null },
      'benign-positive',
      undefined,
    ],
  ];
  test.each(closes)('%s', (_what, adapter, body, disposition, closedBy) => {
    const normalized = normalize(adapter, body);
    expect(normalized.kind).toBe('close');
    expect(normalized.closure).toEqual({ disposition, ...(closedBy ? { closedBy } : {}) });
  });

  test('Sentinel New/Active are not closes', () => {
    for (const status of ['New', 'Active']) {
      expect(normalize(pushSources.sentinel, withIncident({ status }, { objectEventType: 'Update' })).kind).toBe(
        'update',
      );
    }
  });
});

describe('5. secret query parameters are redacted by parsed name', () => {
  const urls: [string, string][] = [
    ['/v1/alerts/splunk?token=s3cret', '/v1/alerts/splunk?token=[redacted]'],
    ['/v1/alerts/splunk?%74oken=s3cret&instance=a', '/v1/alerts/splunk?%74oken=[redacted]&instance=a'],
    ['/v1/alerts/splunk?TOKEN=s3cret', '/v1/alerts/splunk?TOKEN=[redacted]'],
    ['/v1/alerts/splunk?instance=a&t%6F%6Ben=s3cret', '/v1/alerts/splunk?instance=a&t%6F%6Ben=[redacted]'],
    ['/v1/alerts/splunk?api_key=s3cret&token=s3cret', '/v1/alerts/splunk?api_key=[redacted]&token=[redacted]'],
    ['/v1/alerts/splunk?%zz=1&instance=token', '/v1/alerts/splunk?%zz=1&instance=token'],
    ['/v1/alerts/splunk', '/v1/alerts/splunk'],
  ];
  test.each(urls)('%s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });
});

describe('6. OCSF 1.8 Detection Finding: entities and activities as the class defines them', () => {
  const { actor: _actor, device: _device, evidences: _evidences, src_endpoint: _src, ...bare } = finding;
  const entities: [string, Json, Json][] = [
    [
      'actor.user and device',
      {
        actor: { user: { name: 'jdoe', email_addr: 'jdoe@example.com' } },
        device: { hostname: 'WS-0142', domain: 'corp.example.com' },
      },
      { userPrincipalName: 'jdoe@example.com', host: 'WS-0142.corp.example.com' },
    ],
    [
      'evidences[].actor.user, evidences[].device, evidences[].src_endpoint',
      {
        evidences: [
          { process: { name: 'powershell.exe' } },
          {
            actor: { user: { name: 'asmith', uid: 'f7033626-2572-46b1-bba0-06646f4f95b3' } },
            device: { hostname: 'bastion-01' },
            src_endpoint: { ip: '198.51.100.23' },
          },
        ],
      },
      {
        userPrincipalName: 'asmith@example.com',
        userObjectId: 'f7033626-2572-46b1-bba0-06646f4f95b3',
        host: 'bastion-01',
        sourceIp: '198.51.100.23',
      },
    ],
    [
      'a top-level src_endpoint as the last resort',
      { src_endpoint: { ip: '203.0.113.9' } },
      { sourceIp: '203.0.113.9' },
    ],
  ];
  test.each(entities)('%s', (_what, fields, expected) => {
    expect(normalize(pushSources.ocsf, { ...bare, ...fields }).alert.entities).toEqual(expected);
  });

  const activities: [string, Json, string][] = [
    ['1 Create', { activity_id: 1 }, 'create'],
    ['2 Update', { activity_id: 2 }, 'update'],
    ['3 Close', { activity_id: 3 }, 'close'],
    ['0 Unknown: updates a case that exists, else starts one', { activity_id: 0 }, 'update'],
    ['99 Other: the same', { activity_id: 99 }, 'update'],
    ['no activity_id: the same', { activity_id: undefined }, 'update'],
    ['1 Create with status 1 New', { activity_id: 1, status_id: 1 }, 'create'],
    ['2 Update with status 2 In Progress', { activity_id: 2, status_id: 2 }, 'update'],
  ];
  test.each(activities)('%s', (_what, fields, kind) => {
    expect(normalize(pushSources.ocsf, { ...finding, ...fields }).kind).toBe(kind);
  });
});
