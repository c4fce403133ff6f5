import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { submitAlert } from '../../client/triage-client';
import { parsePolicy } from '../../common/policy';
import type { CaseState } from '../../common/triage';
import { analystDecisionUpdate } from '../../common/messages/triage';
import { ANALYST, JDOE, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { connectDevServer, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

let dev: DevServerHarness;
const workers: ChildProcess[] = [];
beforeAll(async () => {
  dev = await connectDevServer();
});
afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await dev?.teardown();
});

function startWorkerProcess(worldFile: string, taskQueue: string): Promise<ChildProcess> {
  // `--import tsx` keeps the worker in this one process, so SIGKILL reaches the worker itself.
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'harness', 'worker-process.ts')], {
    env: { ...process.env, WORLD_FILE: worldFile, TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
}

async function until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a worker killed with SIGKILL in the middle of containment: a new worker finishes, every effect happened once, undo restores', async () => {
  const worldFile = join(mkdtempSync(join(tmpdir(), 'soc-crash-')), 'world.json');
  const world = World.create({ ...demoSeed(), delaysAfterEffectMs: { 'disable-account': 60_000 } }, worldFile);
  const taskQueue = uniqueTaskQueue('crash');
  const first = await startWorkerProcess(worldFile, taskQueue);

  const alert = makeAlert();
  const policy = parsePolicy({
    mode: 'auto-contain',
    containmentActions: ['disable-account', 'revoke-sessions', 'block-ip'],
  });
  const { workflowId } = await submitAlert(dev.client, { alert, policy, analysts: [ANALYST], taskQueue });

  // The account is disabled, and the worker is still inside the activity when it dies.
  await until('the account to be disabled', () => world.reload().effectCount(JDOE.upn, 'disable-account') === 1);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  await startWorkerProcess(worldFile, taskQueue);
  const handle = dev.client.workflow.getHandle(workflowId);
  const contained = await waitForCase(handle, (s) => s.escalations.length === 1, 'containment after the crash', 90_000);

  world.reload();
  expect(world.effectCount(JDOE.upn, 'disable-account')).toBe(1);
  expect(world.effectCount(JDOE.upn, 'revoke-sessions')).toBe(1);
  expect(world.effectCount('203.0.113.50', 'block-ip')).toBe(1);
  // The retry found the account already disabled, and still knows this case disabled it.
  expect(contained.containment.map((c) => [c.action, c.status])).toEqual([
    ['disable-account', 'applied'],
    ['revoke-sessions', 'applied'],
    ['block-ip', 'applied'],
  ]);

  await handle.executeUpdate(analystDecisionUpdate, {
    args: [{ analystId: ANALYST, decision: 'close-false-positive' }],
  });
  const closed = (await handle.result()) as CaseState;
  world.reload();
  expect(closed.disposition).toBe('false-positive');
  expect(world.findUser({ objectId: JDOE.id }).accountEnabled).toBe(true);
  expect(world.data.blockedIps).toEqual([]);
  expect(world.effectCount(JDOE.upn, 'enable-account')).toBe(1);
  expect(world.effectCount('203.0.113.50', 'unblock-ip')).toBe(1);
});
