import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generate } from 'selfsigned';
import type { GraphPorts } from '../../activities/graph';
import { enrichmentLimits } from '../../common/triage';
import { standInCertificate, startGraphDemo } from '../../standins/graph/demo';
import {
  BLOCKED_IPS_LOCATION_ID,
  DEFENDER_RESOURCE,
  GRAPH_RESOURCE,
  newMachineAction,
  type GraphStandIn,
} from '../../standins/graph';
import { JDOE } from '../harness/alerts';
import { attemptContext, failureOf, graphPortsFor, shape, startStandIn, until } from '../harness/graph';

/**
 * The Graph and Defender ports called directly, through the real `@microsoft/microsoft-graph-client` and
 * `@azure/identity`, over HTTPS against the stand-in. Pages are at most 2 items here, so paging happens everywhere.
 */

const HOST = 'laptop-jdoe.contoso.example';
const jdoe = { objectId: JDOE.id, userPrincipalName: JDOE.upn };
const USER_SELECT =
  'id,userPrincipalName,displayName,department,jobTitle,accountEnabled,onPremisesSyncEnabled,signInSessionsValidFromDateTime';
const DEVICE_SELECT =
  'id,deviceId,displayName,operatingSystem,operatingSystemVersion,isCompliant,isManaged,approximateLastSignInDateTime';

let standIn: GraphStandIn;
let ports: GraphPorts;

beforeAll(async () => {
  standIn = await startStandIn({ maxPageSize: 2, machineActionDelayMs: 100 });
  ports = graphPortsFor(standIn, {
    tuning: { pollIntervalMs: 20, isolationWaitMs: 2_000, locationWrites: 'in-process' },
  });
});
beforeEach(() => standIn.reset());
afterAll(async () => {
  await standIn?.stop();
});

const serviceRequests = () => standIn.log.filter((e) => e.route !== 'token' && e.route !== 'openidConfiguration');

test('each enrichment lookup is a real Graph or Defender request: method, path, query, and a bearer token for that service', async () => {
  const since = new Date(Date.now() - 72 * 3_600_000).toISOString();
  const [profile, groups, signIns, devices, risk, host] = await Promise.all([
    ports.identity.userProfile(jdoe),
    ports.identity.groupMemberships(jdoe, enrichmentLimits.groups),
    ports.identity.signIns(jdoe, since, 200),
    ports.identity.linkedDevices(jdoe, enrichmentLimits.devices),
    ports.identity.riskState(jdoe),
    ports.endpoints.hostDetails(HOST),
  ]);

  const user = `/v1.0/users/${JDOE.id}`;
  expect(serviceRequests().map(shape).sort()).toEqual(
    [
      `GET ${user} ${JSON.stringify({ $select: USER_SELECT })}`,
      `GET ${user}/manager ${JSON.stringify({ $select: 'displayName,userPrincipalName' })}`,
      `GET ${user}/transitiveMemberOf ${JSON.stringify({ $select: 'id,displayName', $top: '50', $count: 'true' })}`,
      `GET ${user}/transitiveMemberOf ${JSON.stringify({ $skiptoken: '*' })}`,
      `GET /v1.0/auditLogs/signIns ${JSON.stringify({ $filter: `userId eq '${JDOE.id}' and createdDateTime ge ${since}`, $top: '200' })}`,
      `GET /v1.0/auditLogs/signIns ${JSON.stringify({ $skiptoken: '*' })}`,
      `GET ${user}/registeredDevices ${JSON.stringify({ $select: DEVICE_SELECT, $top: '20' })}`,
      `GET ${user}/ownedDevices ${JSON.stringify({ $select: DEVICE_SELECT, $top: '20' })}`,
      `GET ${user}/managedDevices ${JSON.stringify({ $select: 'id,deviceName,operatingSystem,osVersion,complianceState,lastSyncDateTime,azureADDeviceId', $top: '20' })}`,
      `GET /v1.0/identityProtection/riskyUsers/${JDOE.id}`,
      `GET /api/machines/${HOST}`,
    ].sort(),
  );
  for (const entry of serviceRequests()) {
    expect(entry.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(entry.audience).toBe(entry.path.startsWith('/api/') ? DEFENDER_RESOURCE : GRAPH_RESOURCE);
    expect(entry.status).toBe(200);
  }
  // Eleven requests at once, one token per resource.
  expect(
    standIn
      .requests('token')
      .map((t) => t.audience)
      .sort(),
  ).toEqual([DEFENDER_RESOURCE, GRAPH_RESOURCE]);

  expect(profile).toEqual({
    id: JDOE.id,
    userPrincipalName: JDOE.upn,
    displayName: 'Jane Doe',
    department: 'Finance',
    jobTitle: 'Controller',
    accountEnabled: true,
    onPremisesSyncEnabled: undefined,
    manager: { displayName: 'Morgan Lee', userPrincipalName: 'mlee@contoso.example' },
  });
  expect(groups).toEqual({
    total: 3,
    truncated: false,
    groups: [
      { id: 'g-finance', displayName: 'Finance', kind: 'group' },
      { id: 'g-vpn', displayName: 'VPN Users', kind: 'group' },
      { id: 'r-billing', displayName: 'Billing Administrator', kind: 'directoryRole' },
    ],
  });
  expect(signIns.map((s) => [s.ip, s.location, s.succeeded, s.risk])).toEqual([
    ['203.0.113.50', 'Lagos, NG', true, 'high'],
    ['198.51.100.7', 'Seattle, US', true, undefined],
    ['198.51.100.7', 'Seattle, US', true, undefined],
    ['203.0.113.50', 'Lagos, NG', false, undefined],
  ]);
  expect(signIns[3]!.failureReason).toBe('Invalid password');
  // The laptop is in Intune and in Entra ID under the same device id: listed once, from Intune.
  expect(devices.devices.map((d) => [d.name, d.source, d.compliant])).toEqual([
    ['LAPTOP-JDOE', 'intune', true],
    ['iPhone-JDOE', 'registered', true],
  ]);
  expect(risk).toMatchObject({ riskLevel: 'medium', riskState: 'atRisk' });
  expect(host).toMatchObject({ name: HOST, healthStatus: 'Active', riskScore: 'Medium', lastIpAddress: '10.1.2.3' });
});

test('collections are followed through their absolute nextLink only as far as the limit and the page bound', async () => {
  const user = standIn.state.users.find((u) => u.id === JDOE.id)!;
  for (let i = 1; i <= 7; i++) {
    standIn.state.directoryObjects.push({
      '@odata.type': '#microsoft.graph.group',
      id: `g-extra-${i}`,
      displayName: `Extra ${i}`,
    });
    user.memberOf.push(`g-extra-${i}`);
  }
  const since = new Date(Date.now() - 72 * 3_600_000);
  for (let i = 0; i < 35; i++) {
    // 30 in the look-back window (one every 2 hours), 5 older.
    const at = new Date(since.getTime() + (i < 30 ? (i + 1) * 2 * 3_600_000 - 60_000 : -(i - 29) * 3_600_000));
    standIn.state.signIns.push({
      ...standIn.state.signIns[0]!,
      id: `extra-${i}`,
      createdDateTime: at.toISOString(),
      ipAddress: `192.0.2.${i + 1}`,
    });
  }

  const groups = await ports.identity.groupMemberships(jdoe, 3);
  expect(groups).toMatchObject({ total: 10, truncated: true });
  expect(groups.groups).toHaveLength(3);
  const groupRequests = standIn.requests('transitiveMemberOf');
  expect(groupRequests).toHaveLength(2);
  // The second request is the nextLink as given: same path, only the page token.
  expect(Object.keys(groupRequests[1]!.query)).toEqual(['$skiptoken']);
  expect(groupRequests[1]!.path).toBe(groupRequests[0]!.path);

  const five = await ports.identity.signIns(jdoe, since.toISOString(), 5);
  expect(standIn.requests('signIns')).toHaveLength(3);
  expect(five).toHaveLength(5);
  expect(five.map((s) => s.at)).toEqual([...five.map((s) => s.at)].sort().reverse());
  expect(five.every((s) => s.at >= since.toISOString())).toBe(true);

  const bounded = graphPortsFor(standIn, { tuning: { maxPages: 2 } });
  const all = await bounded.identity.signIns(jdoe, since.toISOString(), 200);
  expect(all).toHaveLength(4);
  expect(standIn.requests('signIns')).toHaveLength(5);
});

test('permanent failures carry a reason an analyst can act on', async () => {
  standIn.state.app.permissions = standIn.state.app.permissions.filter((p) => p !== 'AuditLog.Read.All');
  const denied = await failureOf(ports.identity.signIns(jdoe, new Date(Date.now() - 3_600_000).toISOString(), 10));
  expect(denied.nonRetryable).toBe(true);
  expect(denied.message).toBe(
    "Microsoft Graph denied reading jdoe@contoso.example's sign-ins: the app registration needs the application permission AuditLog.Read.All, with admin consent (403 Authorization_RequestDenied)",
  );

  standIn.inject('signIns', {
    kind: 'error',
    status: 403,
    code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
    message: 'Tenant does not have a SKU required to access sign-ins.',
  });
  standIn.state.app.permissions.push('AuditLog.Read.All');
  const unlicensed = await failureOf(ports.identity.signIns(jdoe, new Date().toISOString(), 10));
  expect(unlicensed.message).toMatch(/needs a Microsoft Entra ID P1 or P2 licence/);
  expect(unlicensed.nonRetryable).toBe(true);

  const unknown = await failureOf(ports.identity.userProfile({ userPrincipalName: 'nobody@contoso.example' }));
  expect([unknown.message, unknown.nonRetryable]).toEqual(['user not found: nobody@contoso.example', true]);
  const noMachine = await failureOf(ports.endpoints.hostDetails('nowhere.contoso.example'));
  expect([noMachine.message, noMachine.nonRetryable]).toEqual([
    'machine not found in Defender for Endpoint: nowhere.contoso.example',
    true,
  ]);

  // 404 from Identity Protection: never flagged, which is an answer, not a failure.
  await expect(ports.identity.riskState({ userPrincipalName: 'mlee@contoso.example' })).resolves.toBeUndefined();

  const onPrem = await failureOf(
    ports.containment.apply(
      { workflowId: 'wf-onprem', action: 'disable-account', user: { userPrincipalName: 'asmith@contoso.example' } },
      attemptContext(),
    ),
  );
  expect([onPrem.message, onPrem.nonRetryable]).toEqual([
    'asmith@contoso.example is synced from on-premises AD — disable it there',
    true,
  ]);
  expect(standIn.requests('updateUser')).toHaveLength(0);
  // Graph's own answer when the directory says otherwise (the sync flag changed in between): the same reason.
  standIn.inject('updateUser', {
    kind: 'error',
    status: 400,
    code: 'Request_BadRequest',
    message:
      'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
  });
  const raced = await failureOf(
    ports.containment.apply({ workflowId: 'wf-onprem', action: 'disable-account', user: jdoe }, attemptContext()),
  );
  expect([raced.message, raced.nonRetryable]).toEqual([
    'jdoe@contoso.example is synced from on-premises AD — disable it there',
    true,
  ]);

  const wrongSecret = graphPortsFor(standIn, { env: { GRAPH_CLIENT_SECRET: 'not-the-secret' } });
  const refused = await failureOf(wrongSecret.identity.userProfile(jdoe));
  expect(refused.nonRetryable).toBe(true);
  expect(refused.message).toBe(
    'Entra ID refused a token for Microsoft Graph (invalid_client: AADSTS7000215: Invalid client secret provided.): check GRAPH_CLIENT_SECRET / GRAPH_CLIENT_CERTIFICATE (expired or wrong credential)',
  );
});

test('429, 503 and 504 are retried by Temporal no earlier than Retry-After; other 5xx plainly; the client never retries by itself', async () => {
  standIn.inject('getUser', { kind: 'error', status: 429, retryAfterSeconds: 7, times: 1 });
  const throttled = await failureOf(ports.identity.userProfile(jdoe));
  expect([throttled.nonRetryable, throttled.nextRetryDelay, throttled.type]).toEqual([false, 7_000, 'GraphThrottled']);
  expect(throttled.message).toMatch(
    /^Microsoft Graph is throttling reading jdoe@contoso.example's profile \(429 TooManyRequests: Too many requests.\); retrying after 7 s/,
  );
  expect(standIn.requests('getUser')).toHaveLength(1);

  standIn.inject('transitiveMemberOf', { kind: 'error', status: 503, retryAfterSeconds: 3, times: 1 });
  const unavailable = await failureOf(ports.identity.groupMemberships(jdoe, 10));
  expect([unavailable.nonRetryable, unavailable.nextRetryDelay]).toEqual([false, 3_000]);

  standIn.inject('riskyUser', { kind: 'error', status: 504, times: 1 });
  const gateway = await failureOf(ports.identity.riskState(jdoe));
  expect([gateway.nonRetryable, gateway.nextRetryDelay]).toEqual([false, undefined]);

  standIn.inject('getMachine', { kind: 'error', status: 500, times: 1 });
  const broken = await failureOf(ports.endpoints.hostDetails(HOST));
  expect([broken.nonRetryable, broken.nextRetryDelay, broken.type]).toEqual([false, undefined, 'GraphServerError']);

  // A PATCH is never repeated by the client either.
  standIn.inject('updateUser', { kind: 'error', status: 429, retryAfterSeconds: 5, times: 1 });
  const patch = await failureOf(
    ports.containment.apply({ workflowId: 'wf-429', action: 'disable-account', user: jdoe }, attemptContext()),
  );
  expect([patch.nonRetryable, patch.nextRetryDelay]).toEqual([false, 5_000]);
  expect(standIn.requests('updateUser')).toHaveLength(1);
  expect(standIn.requests('riskyUser')).toHaveLength(1);

  // Latency alone is not a failure.
  standIn.inject('getMachine', { kind: 'latency', ms: 300, times: 1 });
  await expect(ports.endpoints.hostDetails(HOST)).resolves.toMatchObject({ name: HOST });
  expect(standIn.requests('getMachine').map((r) => [r.fault, r.status])).toEqual([
    ['error', 500],
    ['latency', 200],
  ]);

  const impatient = graphPortsFor(standIn, { env: { GRAPH_TIMEOUT_SECONDS: '1' } });
  standIn.inject('riskyUser', { kind: 'hang', times: 1 });
  const hung = await failureOf(impatient.identity.riskState(jdoe));
  expect([hung.message, hung.nonRetryable]).toEqual([
    "Microsoft Graph did not answer reading jdoe@contoso.example's risk state within 1 s",
    false,
  ]);
});

test('a certificate credential signs its own client assertion', async () => {
  const pems = await generate([{ name: 'commonName', value: 'soc-triage app' }], {
    keySize: 2048,
    algorithm: 'sha256',
  } as Parameters<typeof generate>[1]);
  const file = join(mkdtempSync(join(tmpdir(), 'soc-graph-')), 'app.pem');
  writeFileSync(file, `${pems.cert}\n${pems.private}`);
  standIn.state.app.certificatePem = pems.cert;

  const withCertificate = graphPortsFor(standIn, { env: { GRAPH_CLIENT_SECRET: '', GRAPH_CLIENT_CERTIFICATE: file } });
  await expect(withCertificate.identity.userProfile(jdoe)).resolves.toMatchObject({ displayName: 'Jane Doe' });
  expect(standIn.requests('token').map((t) => [t.grant, t.status])).toEqual([['client_assertion', 200]]);
});

test('IP blocks keep the other ranges, a wider range counts as in place, and the undo removes only what was added', async () => {
  const seeded = standIn.snapshot().namedLocations[BLOCKED_IPS_LOCATION_ID];
  const block = (ip: string) => ({ workflowId: 'wf-ip', action: 'block-ip' as const, ip });

  await expect(ports.containment.apply(block('203.0.113.50'), attemptContext())).resolves.toMatchObject({
    status: 'applied',
    target: '203.0.113.50',
  });
  await expect(ports.containment.apply(block('2001:db8::7'), attemptContext())).resolves.toMatchObject({
    status: 'applied',
  });
  expect(standIn.snapshot().namedLocations[BLOCKED_IPS_LOCATION_ID]).toEqual([
    '192.0.2.66/32',
    '2001:db8::7/128',
    '203.0.113.50/32',
  ]);
  const patch = standIn.requests('updateNamedLocation')[1]!.body as { '@odata.type': string; ipRanges: unknown[] };
  expect(patch['@odata.type']).toBe('#microsoft.graph.ipNamedLocation');
  expect(patch.ipRanges).toContainEqual({
    '@odata.type': '#microsoft.graph.iPv6CidrRange',
    cidrAddress: '2001:db8::7/128',
  });

  // Someone blocked the whole /24 earlier: the IP is covered, so this case changes nothing and its undo leaves it.
  standIn.state.namedLocations[0]!.ipRanges.push({
    '@odata.type': '#microsoft.graph.iPv4CidrRange',
    cidrAddress: '198.51.100.0/24',
  });
  await expect(ports.containment.apply(block('198.51.100.7'), attemptContext())).resolves.toMatchObject({
    status: 'already-in-place',
  });
  await expect(ports.containment.undo(block('198.51.100.7'), attemptContext())).resolves.toMatchObject({
    status: 'nothing-to-undo',
  });

  await expect(ports.containment.undo(block('203.0.113.50'), attemptContext())).resolves.toMatchObject({
    status: 'undone',
  });
  await expect(ports.containment.undo(block('2001:db8::7'), attemptContext())).resolves.toMatchObject({
    status: 'undone',
  });
  await expect(ports.containment.undo(block('2001:db8::7'), attemptContext())).resolves.toMatchObject({
    status: 'nothing-to-undo',
  });
  expect(standIn.snapshot().namedLocations[BLOCKED_IPS_LOCATION_ID]).toEqual([...seeded!, '198.51.100.0/24'].sort());
  expect(standIn.effects['203.0.113.50']).toEqual({ 'block-ip': 1, 'unblock-ip': 1 });
  expect(standIn.effects['2001:db8::7']).toEqual({ 'block-ip': 1, 'unblock-ip': 1 });
  expect(standIn.effects['198.51.100.7']).toBeUndefined();
});

test('a host named by its short name is found by its FQDN; an ambiguous or unknown short name fails for good, naming why', async () => {
  await expect(ports.endpoints.hostDetails('LAPTOP-JDOE')).resolves.toMatchObject({ name: HOST });
  expect(standIn.log.filter((e) => e.route === 'getMachine' || e.route === 'listMachines').map(shape)).toEqual([
    'GET /api/machines/LAPTOP-JDOE',
    `GET /api/machines ${JSON.stringify({ $filter: "startswith(computerDnsName,'laptop-jdoe.')" })}`,
  ]);

  // A re-onboarded computer has two records with one name: the one seen last is used.
  const [seeded] = standIn.state.machines.filter((m) => m.computerDnsName === HOST);
  standIn.state.machines.push({ ...seeded!, id: 'f'.repeat(40), lastSeen: '2020-01-01T00:00:00Z' });
  await expect(ports.endpoints.hostDetails('laptop-jdoe')).resolves.toMatchObject({ id: seeded!.id });

  // Isolation by the short name isolates that machine.
  const isolated = await ports.containment.apply(
    { workflowId: 'wf-short', action: 'isolate-host', host: 'LAPTOP-JDOE' },
    attemptContext(),
  );
  expect(isolated.status).toBe('applied');
  expect(standIn.state.machines.map((m) => [m.id, Boolean(m.isolated)])).toEqual([
    [seeded!.id, true],
    ['f'.repeat(40), false],
  ]);

  standIn.state.machines.push({ ...seeded!, id: 'e'.repeat(40), computerDnsName: 'laptop-jdoe.fabrikam.example' });
  const ambiguous = await failureOf(ports.endpoints.hostDetails('LAPTOP-JDOE'));
  expect(ambiguous.nonRetryable).toBe(true);
  expect(ambiguous.message).toBe(
    `LAPTOP-JDOE is ambiguous in Defender for Endpoint: ${HOST}, laptop-jdoe.fabrikam.example; the alert must name the host by its FQDN`,
  );
  const unknown = await failureOf(ports.endpoints.hostDetails('NOWHERE'));
  expect([unknown.message, unknown.nonRetryable]).toEqual([
    'machine not found in Defender for Endpoint: NOWHERE',
    true,
  ]);
});

test('isolation checks the newest machine actions first and never posts a second request for the same case', async () => {
  const isolate = { workflowId: 'wf-iso', action: 'isolate-host' as const, host: HOST };
  standIn.holdMachineActions();

  // The first attempt requests isolation; the machine has not picked it up when the attempt's wait ends.
  const first = attemptContext();
  const pending = await ports.containment.apply(isolate, first);
  expect(pending).toMatchObject({ status: 'applied', target: HOST });
  expect(pending.detail).toMatch(/^isolation requested; machine action [\w-]+ is still Pending/);
  const posted = standIn.requests('isolateMachine');
  expect(posted).toHaveLength(1);
  expect(posted[0]!.body).toEqual({
    Comment: '[soc-triage wf-iso] isolated by SOC triage: wf-iso',
    IsolationType: 'Full',
  });
  expect(first.beats).toContainEqual({ machineActionId: expect.any(String) });

  // A retry that lost every heartbeat still finds its own tagged request: no second POST, and still "applied".
  standIn.releaseMachineActions();
  await expect(ports.containment.apply(isolate, attemptContext())).resolves.toEqual({
    status: 'applied',
    target: HOST,
    detail: 'machine isolated',
  });
  expect(standIn.requests('isolateMachine')).toHaveLength(1);
  expect(standIn.snapshot().machines[HOST]).toEqual({ isolated: true });

  // Another case finds the machine isolated by someone else: nothing to do, nothing to undo.
  await expect(
    ports.containment.apply({ ...isolate, workflowId: 'wf-other' }, attemptContext()),
  ).resolves.toMatchObject({ status: 'already-in-place' });

  await expect(ports.containment.undo(isolate, attemptContext())).resolves.toEqual({
    status: 'undone',
    detail: 'machine released from isolation',
  });
  // Repeating the undo (a retry) recognises the release it made.
  await expect(ports.containment.undo(isolate, attemptContext())).resolves.toEqual({
    status: 'undone',
    detail: 'machine released from isolation',
  });
  expect(standIn.requests('unisolateMachine')).toHaveLength(1);
  expect(standIn.effects[HOST]).toEqual({ 'isolate-host': 1, 'release-host': 1 });
  expect(standIn.snapshot().machines[HOST]).toEqual({ isolated: false });
});

test('undoing an isolation still pending (the machine is offline) cancels it, so it never takes effect later', async () => {
  const isolate = { workflowId: 'wf-offline', action: 'isolate-host' as const, host: HOST };
  standIn.holdMachineActions();
  const quick = graphPortsFor(standIn, { tuning: { pollIntervalMs: 20, isolationWaitMs: 200 } });
  const applied = await quick.containment.apply(isolate, attemptContext());
  expect(applied.detail).toMatch(/is still Pending/);

  const undone = await quick.containment.undo(isolate, attemptContext());
  expect(undone).toEqual({
    status: 'undone',
    detail: expect.stringMatching(/^pending isolation cancelled before it took effect \(machine action [\w-]+\)$/),
  });
  const [action] = standIn.state.machineActions;
  expect(action).toMatchObject({
    type: 'Isolate',
    status: 'Cancelled',
    cancellationComment: expect.stringContaining('wf-offline'),
  });
  expect(standIn.requests('unisolateMachine')).toHaveLength(0);

  // The machine connects: nothing is left to run, and it stays free.
  standIn.releaseMachineActions();
  expect(standIn.snapshot().machines[HOST]).toEqual({ isolated: false });
  // A retry of the undo (the first attempt's result was lost) recognises its own cancellation.
  await expect(quick.containment.undo(isolate, attemptContext())).resolves.toEqual(undone);
  expect(standIn.requests('cancelMachineAction')).toHaveLength(1);
});

test("someone else's pending isolation is waited for, not repeated; a failed one is reported", async () => {
  standIn.holdMachineActions();
  standIn.state.machineActions.push(
    newMachineAction({
      id: 'their-action',
      type: 'Isolate',
      requestor: 'analyst@contoso.example',
      requestorComment: 'isolating by hand',
      machineId: standIn.state.machines[0]!.id,
      computerDnsName: HOST,
      scope: 'Full',
    }),
  );
  const quick = graphPortsFor(standIn, { tuning: { pollIntervalMs: 20, isolationWaitMs: 200 } });
  const outcome = await quick.containment.apply(
    { workflowId: 'wf-wait', action: 'isolate-host', host: HOST },
    attemptContext(),
  );
  expect(outcome).toMatchObject({
    status: 'already-in-place',
    detail: 'isolation requested; machine action their-action is still Pending (requested by someone else)',
  });
  expect(standIn.requests('isolateMachine')).toHaveLength(0);

  // Their action fails; ours is then requested, and fails too: that is permanent, with the reason.
  standIn.releaseMachineActions('Failed');
  standIn.holdMachineActions();
  const attempt = quick.containment.apply(
    { workflowId: 'wf-wait', action: 'isolate-host', host: HOST },
    attemptContext(),
  );
  await until('our isolation request', () => standIn.requests('isolateMachine').length === 1);
  standIn.releaseMachineActions('Failed');
  const failed = await failureOf(attempt);
  expect(failed.nonRetryable).toBe(true);
  expect(failed.message).toMatch(
    /^Defender for Endpoint could not finish the isolation of laptop-jdoe.contoso.example: machine action [\w-]+ ended Failed$/,
  );
  expect(standIn.requests('isolateMachine')).toHaveLength(1);
});

test('demo mode: a stand-in with the demo tenant behind the production ports, configured like a deployment', async () => {
  const tls = await standInCertificate(dirname(process.env.SOC_STANDIN_TLS_CERT!));
  const demo = await startGraphDemo({ tls, machineActionDelayMs: 50, tuning: { pollIntervalMs: 20 } });
  try {
    expect(demo.config).toMatchObject({
      graphBaseUrl: demo.standIn.url,
      defenderBaseUrl: demo.standIn.url,
      authorityHost: demo.standIn.url,
    });
    await expect(
      demo.ports.identity.userProfile({ userPrincipalName: 'asmith@contoso.example' }),
    ).resolves.toMatchObject({
      displayName: 'Alex Smith',
      onPremisesSyncEnabled: true,
    });
    const isolated = await demo.ports.containment.apply(
      { workflowId: 'wf-demo', action: 'isolate-host', host: HOST },
      attemptContext(),
    );
    expect(isolated).toEqual({ status: 'applied', target: HOST, detail: 'machine isolated' });
  } finally {
    await demo.stop();
  }
});
