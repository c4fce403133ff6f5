import { triageWorkflowId, type Alert } from '../../common/alert';
import { defender, pushSources, type NormalizedAlert, type SourceAdapter } from '../../client/intake/sources';
import { fixtureJson, fixtures, fixtureText, problems } from '../harness/intake';

/** Every fixture normalizes to the alert a user would expect; the variants real deployments send do too. */

const context = { upnSuffix: 'example.com' };

function normalizeAll(
  adapter: SourceAdapter,
  documents: unknown[],
  ctx: { upnSuffix?: string; instance?: string } = context,
): NormalizedAlert[] {
  const { items, envelope } = adapter.split(documents);
  return items.map((item) => adapter.normalize(item, { ...ctx, envelope }));
}

function only(
  adapter: SourceAdapter,
  document: unknown,
  ctx?: { upnSuffix?: string; instance?: string },
): NormalizedAlert {
  const all = normalizeAll(adapter, [document], ctx);
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** The fields an analyst looks at first. */
const essentials = (alert: Alert) => ({
  rule: alert.ruleId,
  ruleName: alert.ruleName,
  severity: alert.severity,
  detectedAt: alert.detectedAt,
  user: alert.entities.userPrincipalName,
  host: alert.entities.host,
  ip: alert.entities.sourceIp,
});

describe('Splunk', () => {
  const body = fixtureJson(fixtures.splunk);

  test('the webhook alert action gives the search as rule, _time (epoch seconds) as time, and user, host, IP from the row', () => {
    const { kind, alert } = only(pushSources.splunk, body);
    expect(kind).toBe('create');
    expect(essentials(alert)).toEqual({
      rule: 'Linux - Excessive SSH Failures Followed By Success',
      ruleName: 'Linux - Excessive SSH Failures Followed By Success',
      severity: 'medium',
      detectedAt: '2026-11-02T14:18:41.000Z',
      user: 'jdoe@example.com',
      host: 'bastion-01',
      ip: '203.0.113.45',
    });
    expect(alert.sourceInstance).toBe('splunk.example.com:8000');
    expect(alert.sourceAlertId).toMatch(
      /^scheduler__admin__search__RMD5a81c3e5f2b7d9e04_at_1793629200_8812\|row:[0-9a-f]{16}$/,
    );
    expect(alert.description).toMatch(/Accepted password for jdoe/);
  });

  test('"for each result": the second row of the same sid is a different alert; the same row again is the same alert', () => {
    const first = only(pushSources.splunk, body).alert;
    const second = only(pushSources.splunk, fixtureJson(fixtures.splunkSecondRow)).alert;
    expect(second.sourceAlertId).not.toBe(first.sourceAlertId);
    expect(second.entities.userPrincipalName).toBe('root@example.com');
    expect(second.detectedAt).toBe('2026-11-02T14:19:30.000Z');
    expect(triageWorkflowId(only(pushSources.splunk, structuredClone(body)).alert)).toBe(triageWorkflowId(first));
  });

  test('an Enterprise Security notable is identified by event_id across sids; rule_id (a copy of event_id) is not the rule', () => {
    const notable = (sid: string) => ({
      ...body,
      sid,
      search_name: 'Access - Brute Force Access Behavior Detected - Rule',
      result: {
        _time: '1793629121.000',
        event_id: '7F1E3C2D-5B4A-4E69-8D70-1A2B3C4D5E6F@@notable@@a1b2c3',
        rule_id: '7F1E3C2D-5B4A-4E69-8D70-1A2B3C4D5E6F@@notable@@a1b2c3',
        rule_name: 'Brute Force Access Behavior Detected',
        rule_title: 'Brute force by jdoe from 203.0.113.45',
        urgency: 'critical',
        severity: 'high',
        user: 'CORP\\jdoe',
        src: '203.0.113.45',
        dest: 'bastion-01',
      },
    });
    const first = only(pushSources.splunk, notable('scheduler__nobody_U0EtQWNjZXNz__RMD5aaa_at_1793629200_100')).alert;
    const rerun = only(pushSources.splunk, notable('scheduler__nobody_U0EtQWNjZXNz__RMD5aaa_at_1793632800_207')).alert;
    expect(rerun.sourceAlertId).toBe(first.sourceAlertId);
    expect(first.sourceAlertId).toBe('7F1E3C2D-5B4A-4E69-8D70-1A2B3C4D5E6F@@notable@@a1b2c3');
    expect(essentials(first)).toEqual({
      rule: 'Access - Brute Force Access Behavior Detected - Rule',
      ruleName: 'Brute Force Access Behavior Detected',
      severity: 'critical',
      detectedAt: '2026-11-02T14:18:41.000Z',
      user: 'jdoe@example.com',
      host: 'bastion-01',
      ip: '203.0.113.45',
    });
    expect(first.title).toBe('Brute force by jdoe from 203.0.113.45');
  });

  test('an ad-hoc search (search_name null) and a row without _time still make an alert; a bad _time is named', () => {
    const adHoc = only(pushSources.splunk, {
      ...body,
      search_name: null,
      result: { user: 'jdoe', src: 'not-an-ip' },
    }).alert;
    expect(adHoc.ruleId).toBe('splunk-ad-hoc-search');
    expect(adHoc.detectedAt).toBe('2026-11-02T14:20:00.000Z'); // from the sid's trigger time
    expect(adHoc.entities).toEqual({ userPrincipalName: 'jdoe@example.com' }); // the non-IP "src" is dropped, not the alert
    expect(
      problems(() => only(pushSources.splunk, { ...body, result: { ...(body.result as object), _time: 'yesterday' } })),
    ).toEqual([{ path: 'result._time', message: '"yesterday" is not epoch seconds' }]);
    expect(problems(() => only(pushSources.splunk, { ...body, sid: 42 }))).toEqual([
      { path: 'sid', message: 'expected string, received number' },
    ]);
  });

  test('without a configured UPN suffix a bare account name is kept as sent', () => {
    expect(only(pushSources.splunk, body, {}).alert.entities.userPrincipalName).toBe('jdoe');
  });
});

describe('Elastic', () => {
  const delivery = fixtureJson<{ alerts: Record<string, unknown>[] }>(fixtures.elastic);

  test('two alerts in one delivery: rule_id, severity, original_time, ECS user/host/source.ip', () => {
    const [first, second] = normalizeAll(pushSources.elastic, [delivery]).map((n) => n.alert);
    expect(essentials(first!)).toEqual({
      rule: 'b961ae5a-c558-45f0-80f0-bb2665174302',
      ruleName: 'SIGMA - External Remote RDP Logon from Public IP',
      severity: 'medium',
      detectedAt: '2026-11-02T14:18:41.000Z',
      user: 'jdoe@example.com',
      host: 'WS-0142.corp.example.com',
      ip: '203.0.113.45',
    });
    expect(first!.sourceAlertId).toBe('3f0c9b8e2a7d4c1f9e6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b');
    expect(first!.sourceInstance).toBe('kibana.example.com');
    expect(essentials(second!)).toMatchObject({
      user: 'asmith@example.com',
      host: 'WS-0177.corp.example.com',
      ip: '198.51.100.23',
      detectedAt: '2026-11-02T14:19:02.000Z',
    });
  });

  /** Test-local conversions, independent of the intake's own. */
  const flatten = (value: Record<string, unknown>, prefix = ''): Record<string, unknown> =>
    Object.entries(value).reduce<Record<string, unknown>>((out, [key, v]) => {
      const name = prefix ? `${prefix}.${key}` : key;
      if (v && typeof v === 'object' && !Array.isArray(v))
        Object.assign(out, flatten(v as Record<string, unknown>, name));
      else out[name] = v;
      return out;
    }, {});
  const nest = (value: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(flatten(value))) {
      const path = key.split('.');
      let node = out;
      for (const segment of path.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
      node[path[path.length - 1]!] = v;
    }
    return out;
  };

  test('flat dotted keys, nested objects and the mixed fixture give the same alert', () => {
    const alerts = delivery.alerts;
    const mixed = normalizeAll(pushSources.elastic, [delivery]);
    const flat = normalizeAll(pushSources.elastic, [{ ...delivery, alerts: alerts.map((a) => flatten(a)) }]);
    const nested = normalizeAll(pushSources.elastic, [{ ...delivery, alerts: alerts.map((a) => nest(a)) }]);
    expect(nested[0]!.alert.entities.host).toBe('WS-0142.corp.example.com');
    expect(flat).toEqual(mixed);
    expect(nested).toEqual(mixed);
    // A bare array of alerts and a single alert are read too.
    expect(normalizeAll(pushSources.elastic, [alerts]).map((n) => n.alert.sourceAlertId)).toEqual(
      mixed.map((n) => n.alert.sourceAlertId),
    );
  });

  test('without a severity word the risk score decides; a missing uuid is named in the sender’s terms', () => {
    const alert = {
      ...delivery.alerts[0]!,
      'kibana.alert.severity': undefined,
      'kibana.alert.rule.severity': undefined,
      'kibana.alert.risk_score': 91,
    };
    expect(only(pushSources.elastic, alert).alert.severity).toBe('critical');
    const { 'kibana.alert.uuid': _uuid, ...withoutId } = delivery.alerts[0]!;
    expect(problems(() => only(pushSources.elastic, withoutId))).toEqual([
      { path: 'kibana.alert.uuid', message: 'is required' },
    ]);
  });
});

describe('Microsoft Sentinel', () => {
  const incident = fixtureJson<{ objectEventType: string; object: { properties: Record<string, unknown> } }>(
    fixtures.sentinel,
  );

  test('the incident trigger: analytic rule, severity, createdTimeUtc, Account/Host/Ip entities', () => {
    const { kind, alert } = only(pushSources.sentinel, incident);
    expect(kind).toBe('create');
    expect(essentials(alert)).toEqual({
      rule: '71108e51-bc1f-48dc-95bd-4d0fb2e2c30c',
      ruleName: 'Sign-in from public IP followed by RDP logon',
      severity: 'high',
      detectedAt: '2026-11-02T14:21:10.442Z',
      user: 'jdoe@example.com',
      host: 'WS-0142.corp.example.com',
      ip: '203.0.113.45',
    });
    expect(alert.entities.userObjectId).toBe('f7033626-2572-46b1-bba0-06646f4f95b3');
    expect(alert.sourceAlertId).toBe('44204ea9-7cee-4aff-b0b4-c329d1deba5f');
    expect(alert.sourceInstance).toBe('c8c99641-985d-4e4e-8e91-fb3466cd0e5b');
  });

  test('an Update is the same incident (kind update); an Update to Closed closes it', () => {
    const update = {
      ...incident,
      eventUniqueId: 'another-delivery',
      objectEventType: 'Update',
      object: { ...incident.object, properties: { ...incident.object.properties, severity: 'Medium' } },
    };
    const created = only(pushSources.sentinel, incident);
    const updated = only(pushSources.sentinel, update);
    expect(updated.kind).toBe('update');
    expect(triageWorkflowId(updated.alert)).toBe(triageWorkflowId(created.alert));
    const closed = {
      ...update,
      object: { ...update.object, properties: { ...update.object.properties, status: 'Closed' } },
    };
    expect(only(pushSources.sentinel, closed).kind).toBe('close');
    expect(problems(() => only(pushSources.sentinel, { ...incident, objectEventType: 'Delete' }))).toEqual([
      { path: 'objectEventType', message: 'must be "Create" or "Update"' },
    ]);
  });
});

describe('OCSF', () => {
  const finding = fixtureJson(fixtures.ocsf);

  test('a Detection Finding: analytic uid, severity_id, time in epoch milliseconds, actor/device/evidence', () => {
    const { kind, alert } = only(pushSources.ocsf, finding);
    expect(kind).toBe('create');
    expect(essentials(alert)).toEqual({
      rule: 'ca2092a1-c273-4878-9b4b-0d60115bf5ea',
      ruleName: 'Suspicious Encoded PowerShell Command Line',
      severity: 'high',
      detectedAt: '2026-11-02T14:22:05.000Z',
      user: 'jdoe@example.com',
      host: 'WS-0142.corp.example.com',
      ip: '203.0.113.45',
    });
    expect(alert.sourceAlertId).toBe('f-2026-11-02-000731');
  });

  test('NDJSON: one finding per line', () => {
    const lines = fixtureText(fixtures.ocsfBatch)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as unknown);
    const alerts = normalizeAll(pushSources.ocsf, lines).map((n) => n.alert);
    expect(alerts.map((a) => [a.sourceAlertId, a.entities.userPrincipalName, a.entities.sourceIp])).toEqual([
      ['f-2026-11-02-000731', 'jdoe@example.com', '203.0.113.45'],
      ['f-2026-11-02-000732', 'asmith@example.com', '198.51.100.23'],
    ]);
  });

  test('activity_id 2 and 3 are an update and a close of the same finding; another class is refused by name', () => {
    const create = only(pushSources.ocsf, finding);
    const update = only(pushSources.ocsf, { ...finding, activity_id: 2, severity_id: 5 });
    const close = only(pushSources.ocsf, { ...finding, activity_id: 3 });
    expect([update.kind, close.kind]).toEqual(['update', 'close']);
    expect(triageWorkflowId(update.alert)).toBe(triageWorkflowId(create.alert));
    expect(triageWorkflowId(close.alert)).toBe(triageWorkflowId(create.alert));
    expect(problems(() => only(pushSources.ocsf, { ...finding, class_uid: 2001 }))).toEqual([
      { path: 'class_uid', message: 'must be 2004 (Detection Finding)' },
    ]);
    expect(problems(() => only(pushSources.ocsf, { ...finding, time: '2026-11-02' }))).toEqual([
      { path: 'time', message: 'must be epoch milliseconds (a number)' },
    ]);
  });
});

describe('Defender XDR (Graph alerts_v2)', () => {
  const graphAlert = fixtureJson(fixtures.defender);

  test('detector, severity, createdDateTime, user/device/IP evidence; a resolved alert closes its case', () => {
    const { kind, alert } = defender.normalize(graphAlert, context);
    expect(kind).toBe('create');
    expect(essentials(alert)).toEqual({
      rule: '7f1e3c2d-5b4a-4e69-8d70-1a2b3c4d5e6f',
      ruleName: 'Suspicious PowerShell command line',
      severity: 'high',
      detectedAt: '2026-11-02T14:22:05.312Z',
      user: 'jdoe@example.com',
      host: 'ws-0142.corp.example.com',
      ip: '203.0.113.45',
    });
    expect(alert.entities.userObjectId).toBe('f7033626-2572-46b1-bba0-06646f4f95b3');
    expect(alert.sourceInstance).toBe('b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c');
    expect(defender.normalize({ ...graphAlert, status: 'resolved' }, context).kind).toBe('close');
    expect(defender.split([{ value: [graphAlert, graphAlert] }]).items).toHaveLength(2);
  });
});

describe('generic (the project’s own model)', () => {
  const alert = {
    sourceInstance: 'forwarder-1',
    sourceAlertId: 'a-1',
    ruleId: 'impossible-travel',
    ruleName: 'Impossible travel',
    severity: 'high',
    detectedAt: '2026-11-02T14:00:00Z',
    title: 'Sign-in from two countries',
    entities: { userPrincipalName: 'jdoe@example.com', sourceIp: '203.0.113.50' },
  };

  test('source may be left out; another source is refused; unknown fields are named', () => {
    expect(only(pushSources.generic, alert).alert).toMatchObject({
      source: 'generic',
      sourceAlertId: 'a-1',
      entities: { sourceIp: '203.0.113.50' },
    });
    expect(only(pushSources.generic, { ...alert, source: 'generic' }).alert.source).toBe('generic');
    expect(problems(() => only(pushSources.generic, { ...alert, source: 'splunk' }))).toEqual([
      { path: 'source', message: 'must be "generic" on this route (or left out)' },
    ]);
    expect(
      problems(() => only(pushSources.generic, { ...alert, extra: 1, severity: 'urgent' }))
        .map((p) => p.path)
        .sort(),
    ).toEqual(['', 'severity']);
  });
});
