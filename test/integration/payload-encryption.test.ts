import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { sendAnswer, sendDecision, submitAlert } from '../../client/triage-client';
import { parsePolicy } from '../../common/policy';
import type { CaseState } from '../../common/triage';
import { startDevServer } from '../../scripts/servers';
import { createTriageWorker } from '../../workers/worker';
import { ANALYST, makeAlert } from '../harness/alerts';
import { waitForCase } from '../harness/cases';
import { quietRuntime, testDataConverter, uniqueTaskQueue, workflowBundle } from '../harness/temporal';

/**
 * The promise of the payload codec, checked where it matters: in the Temporal database file. One dev server on a
 * SQLite file runs two full cases with their own distinctive user, address, host, name and alert title: one through the
 * product's encryption, one without it (the control, which proves the scan finds what is there).
 */

let dir: string;
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  quietRuntime();
  dir = mkdtempSync(join(tmpdir(), 'soc-encryption-'));
  env = await startDevServer({ dbFilename: join(dir, 'temporal.db'), namespace: 'default' }, () => undefined);
}, 120_000);
afterAll(async () => {
  await env?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A tenant of one user whose every identifying value appears nowhere else. */
function distinctCase(tag: string) {
  const id = randomUUID();
  const mark = randomBytes(4).toString('hex');
  const values = {
    upn: `zq${mark}.${tag}@encrypted.example`,
    ip: `198.18.${parseInt(mark.slice(0, 2), 16)}.${parseInt(mark.slice(2, 4), 16)}`,
    host: `ws-${mark}-${tag}.corp.example`,
    displayName: `Quillon ${tag} Vantrebeck${mark}`,
    title: `Exfiltration beacon ${mark} ${tag} seen`,
  };
  const [jdoe] = demoSeed().users;
  const [host] = demoSeed().hosts;
  const world = World.create({
    users: [
      {
        ...jdoe!,
        id,
        userPrincipalName: values.upn,
        displayName: values.displayName,
        signIns: jdoe!.signIns.map((s) => ({ ...s, ip: values.ip })),
      },
    ],
    hosts: [{ ...host!, name: values.host }],
  });
  const alert = makeAlert({
    title: values.title,
    entities: { userPrincipalName: values.upn, userObjectId: id, host: values.host, sourceIp: values.ip },
  });
  return { id, values, world, alert };
}

/** Asked, "it wasn't me" (a Signal), contained, escalated, closed by an analyst as a false positive: undone. */
async function runFullCase(client: Client, dataConverter: DataConverter, tag: string) {
  const taskQueue = uniqueTaskQueue(`encryption-${tag}`);
  const c = distinctCase(tag);
  const worker = await createTriageWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    ports: createInMemoryPorts(c.world),
    dataConverter,
    workflowBundle: workflowBundle(),
  });
  await worker.runUntil(async () => {
    const { workflowId } = await submitAlert(client, {
      alert: c.alert,
      policy: parsePolicy({
        mode: 'confirm-with-user',
        containOnUserDenial: true,
        containmentActions: ['disable-account', 'revoke-sessions', 'isolate-host', 'block-ip'],
      }),
      analysts: [ANALYST],
      taskQueue,
    });
    const handle: WorkflowHandle = client.workflow.getHandle(workflowId);
    await waitForCase(handle, (s) => s.triageState === 'awaiting-user' && Boolean(s.question?.messageRef), 'question');
    await sendAnswer(client, workflowId, { userId: c.id, answer: 'it-was-not-me' }, { requestId: randomUUID() });
    await waitForCase(handle, (s) => s.triageState === 'contained' && s.escalations.length > 0, 'containment');
    await sendDecision(
      client,
      workflowId,
      { analystId: ANALYST, decision: 'close-false-positive' },
      { requestId: randomUUID() },
    );
    const state = (await handle.result()) as CaseState;
    expect(state.disposition).toBe('false-positive');
  });
  return c.values;
}

/** Which of the values occur anywhere in the database files (the main file, its WAL and shared memory). */
function foundInDatabase(values: Record<string, string>): string[] {
  const bytes = Buffer.concat(readdirSync(dir).map((file) => readFileSync(join(dir, file))));
  return Object.entries(values)
    .filter(([, value]) => bytes.includes(Buffer.from(value)))
    .map(([name]) => name);
}

test("after a full case, the database holds none of the user's name, UPN, IP, host or the alert title", async () => {
  const encryption = testDataConverter();
  const encrypted = await runFullCase(
    new Client({ connection: env.connection, namespace: 'default', dataConverter: encryption }),
    encryption,
    'sealed',
  );
  const plain = await runFullCase(new Client({ connection: env.connection, namespace: 'default' }), {}, 'plain');
  // The control: without the codec, the same scan finds every value.
  expect(foundInDatabase(plain)).toEqual(['upn', 'ip', 'host', 'displayName', 'title']);
  expect(foundInDatabase(encrypted)).toEqual([]);
});
