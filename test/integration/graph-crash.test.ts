import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { submitAlert } from '../../client/triage-client';
import { parsePolicy } from '../../common/policy';
import type { CaseState } from '../../common/triage';
import { standInGraphEnv, type GraphStandIn } from '../../standins/graph';
import { analystDecisionUpdate } from '../../common/messages/triage';
import { ANALYST, JDOE, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { graphPortsFor, startStandIn, triagePorts, until } from '../harness/graph';
import { connectDevServer, triageWorker, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

/**
 * A worker running the production Graph ports is killed with SIGKILL in the middle of containment: its account
 * update has been applied but not answered, and its isolation request is accepted but not yet done. The stand-in
 * lives here, in the test process, and counts what was applied.
 */

const HOST = 'laptop-jdoe.contoso.example';

let dev: DevServerHarness;
let standIn: GraphStandIn;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dev = await connectDevServer();
  standIn = await startStandIn({ machineActionDelayMs: 300 });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await standIn?.stop();
  await dev?.teardown();
});

function startWorkerProcess(taskQueue: string): Promise<ChildProcess> {
  // `--import tsx` keeps the worker in this one process, so SIGKILL reaches the worker itself. The child inherits
  // NODE_EXTRA_CA_CERTS from global setup, so it trusts the stand-in from its start.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'harness', 'worker-process.ts')], {
    env: { ...process.env, ...standInGraphEnv(standIn), TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
}

test('a worker killed mid-action: the next worker finishes without applying anything twice, and undo restores the seeded state', async () => {
  const seeded = standIn.snapshot();
  // The account update is applied and never answered; the isolation stays Pending until released.
  standIn.inject('updateUser', { kind: 'hang', afterEffect: true, times: 1 });
  standIn.holdMachineActions();

  const taskQueue = uniqueTaskQueue('graph-crash');
  const first = await startWorkerProcess(taskQueue);
  const policy = parsePolicy({ mode: 'auto-contain', containmentActions: ['disable-account', 'isolate-host'] });
  const { workflowId } = await submitAlert(dev.client, { alert: makeAlert(), policy, analysts: [ANALYST], taskQueue });

  await until(
    'the account disabled and the isolation being polled',
    () =>
      standIn.effectCount(JDOE.upn, 'disable-account') === 1 &&
      standIn.effectCount(HOST, 'isolate-host') === 1 &&
      standIn.requests('getMachineAction').length >= 2,
    60_000,
  );
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const killedAt = Date.now();
  standIn.releaseMachineActions();

  const worker = await triageWorker(
    dev.nativeConnection,
    taskQueue,
    triagePorts(graphPortsFor(standIn, { tuning: { pollIntervalMs: 100 } })),
  );
  const handle = dev.client.workflow.getHandle(workflowId);
  const closed = await worker.runUntil(async () => {
    const contained = await waitForCase(
      handle,
      (s) => s.escalations.length === 1,
      'containment finished by the second worker',
      90_000,
    );
    // The retry found both effects in place and still knows this case applied them.
    expect(contained.containment.map((c) => [c.action, c.status])).toEqual([
      ['disable-account', 'applied'],
      ['isolate-host', 'applied'],
    ]);
    expect(standIn.effectCount(JDOE.upn, 'disable-account')).toBe(1);
    expect(standIn.effectCount(HOST, 'isolate-host')).toBe(1);
    expect(standIn.requests('updateUser')).toHaveLength(1);
    expect(standIn.requests('isolateMachine')).toHaveLength(1);
    // The second worker read the state again after the kill rather than acting blindly.
    expect(standIn.log.some((e) => e.route === 'getUser' && e.at > killedAt)).toBe(true);
    expect(standIn.log.some((e) => e.route === 'listMachineActions' && e.at > killedAt)).toBe(true);

    await handle.executeUpdate(analystDecisionUpdate, {
      args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
    });
    return (await handle.result()) as CaseState;
  });

  expect(closed).toMatchObject({ triageState: 'closed', disposition: 'false-positive' });
  expect(standIn.effects[JDOE.upn]).toEqual({ 'disable-account': 1, 'enable-account': 1 });
  expect(standIn.effects[HOST]).toEqual({ 'isolate-host': 1, 'release-host': 1 });
  expect(standIn.snapshot()).toEqual(seeded);
});

test('two worker processes blocking two IPs at once: both stay blocked, and each undo removes only its own', async () => {
  const seeded = standIn.snapshot();
  const locationId = Object.keys(seeded.namedLocations)[0]!;
  // Each write of the list is slow, so two unserialised read-modify-writes would overlap and one would drop the other.
  standIn.inject('updateNamedLocation', { kind: 'latency', ms: 1_500, times: 2 });

  const taskQueue = uniqueTaskQueue('graph-ip-writers');
  const workers = await Promise.all([startWorkerProcess(taskQueue), startWorkerProcess(taskQueue)]);
  const policy = parsePolicy({ mode: 'auto-contain', containmentActions: ['block-ip'] });
  const ips = ['198.51.100.21', '198.51.100.22'];
  const cases = await Promise.all(
    ips.map((sourceIp) =>
      submitAlert(dev.client, {
        alert: makeAlert({ entities: { userPrincipalName: JDOE.upn, sourceIp } }),
        policy,
        analysts: [ANALYST],
        taskQueue,
      }),
    ),
  );
  const handles = cases.map((c) => dev.client.workflow.getHandle(c.workflowId));
  const contained = await Promise.all(
    handles.map((h) => waitForCase(h, (s) => s.escalations.length === 1, 'the IP blocked', 60_000)),
  );
  for (const [i, state] of contained.entries()) {
    expect(state.containment.map((c) => [c.action, c.target, c.status])).toEqual([['block-ip', ips[i], 'applied']]);
  }
  expect(standIn.snapshot().namedLocations[locationId]).toEqual(expect.arrayContaining(ips.map((ip) => `${ip}/32`)));
  for (const ip of ips) expect(standIn.effectCount(ip, 'block-ip')).toBe(1);

  await Promise.all(
    handles.map((h) =>
      h.executeUpdate(analystDecisionUpdate, { args: [{ analystId: ANALYST, decision: 'close-false-positive' }] }),
    ),
  );
  await Promise.all(handles.map((h) => h.result()));
  for (const ip of ips) expect(standIn.effects[ip]).toEqual({ 'block-ip': 1, 'unblock-ip': 1 });
  expect(standIn.snapshot().namedLocations[locationId]).toEqual(seeded.namedLocations[locationId]);
  for (const worker of workers) worker.kill('SIGKILL');
});
