import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { submitAlert } from '../../client/triage-client';
import { parsePolicy } from '../../common/policy';
import { triageStates } from '../../common/triage';
import { makeAlert, ANALYST } from '../harness/alerts';
import { waitForVisibility } from '../harness/seeding';
import { connectDevServer, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';
import { freePort } from '../../scripts/servers';

/** The CLI as an analyst runs it: a process of its own, against the suite's dev server. */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const root = join(__dirname, '..', '..');

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'client/cli.ts', ...args],
      {
        cwd: root,
        env: { ...process.env, TEMPORAL_ADDRESS: process.env.SOC_TEST_TEMPORAL_ADDRESS, TZ: 'Asia/Kolkata', ...env },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

let temporal: DevServerHarness;
const taskQueue = uniqueTaskQueue('cli'); // no worker polls it: the cases stay as they were started
const run = randomUUID().slice(0, 8);
const longRule = `${run}-a-very-long-detection-rule-identifier-from-the-siem-0123456789abcdef`;
const shortRule = `${run}-short`;
const ids: string[] = [];

async function startCase(ruleId: string, ruleName: string): Promise<string> {
  const { workflowId } = await submitAlert(temporal.client, {
    alert: makeAlert({ ruleId, ruleName }),
    policy: parsePolicy({ mode: 'analyst' }),
    analysts: [ANALYST],
    taskQueue,
  });
  return workflowId;
}

beforeAll(async () => {
  temporal = await connectDevServer();
  // One after the other, so their start times order them.
  ids.push(await startCase(shortRule, 'CLI short rule'));
  ids.push(await startCase(longRule, 'CLI long rule'));
  ids.push(await startCase(shortRule, 'CLI short rule'));
  await waitForVisibility(temporal.client, `TaskQueue = '${taskQueue}'`, 3);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    ids.map((id) =>
      temporal.client.workflow
        .getHandle(id)
        .terminate('test finished')
        .catch(() => undefined),
    ),
  );
  await temporal?.teardown();
});

/** The header and then one line per case. */
function listed(stdout: string) {
  return stdout.trimEnd().split('\n');
}

test('list: a header, then the cases newest first, in aligned columns with rule names and local times', async () => {
  const [short, long] = await Promise.all([cli(['list', '--rule', shortRule]), cli(['list', '--rule', longRule])]);
  expect(short.code).toBe(0);
  const lines = listed(short.stdout);
  expect(lines[0]).toMatch(/^started\s+age\s+state\s+disposition\s+rule\s+workflow id$/);
  expect(lines.slice(1).map((line) => line.split(/\s+/).pop())).toEqual([ids[2], ids[0]]);
  expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+5:30 {2}(just now|\d+ s ago|\d+ min ago)/);
  expect(lines[1]).toContain(`CLI short rule (${shortRule})`);
  expect(lines[1]).toContain('enriching');

  // A rule id longer than its column is cut with an ellipsis and every column still starts where its header does.
  const [header, row] = listed(long.stdout);
  expect(row).toContain('CLI long rule (');
  expect(row).toContain('…');
  expect(row).not.toContain(longRule);
  for (const title of ['state', 'disposition', 'rule', 'workflow id'])
    expect(row!.slice(header!.indexOf(title)).startsWith(' ')).toBe(false);
  expect(row!.slice(header!.indexOf('workflow id'))).toBe(ids[1]);
}, 60_000);

test('list --limit keeps the newest; "no cases" when nothing matched', async () => {
  const limited = await cli(['list', '--rule', shortRule, '--limit', '1']);
  expect(
    listed(limited.stdout)
      .slice(1)
      .map((line) => line.split(/\s+/).pop()),
  ).toEqual([ids[2]]);
  const none = await cli(['list', '--rule', `${run}-no-such-rule`]);
  expect(none).toMatchObject({ code: 0, stdout: 'no cases\n' });
}, 60_000);

test('an invalid --state is a usage error listing the accepted states', async () => {
  const result = await cli(['list', '--state', 'bogus']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`--state must be one of ${triageStates.join(', ')}`);
  expect(result.stdout).not.toContain('no cases');
}, 60_000);

test('show without an id is a usage error naming show <workflowId>; an unknown id is "no case <id>"', async () => {
  const missing = await cli(['show']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('show <workflowId>');
  expect(missing.stderr).not.toContain('WorkflowId is not set');
  const unknown = await cli(['show', `triage:nope:${run}`]);
  expect(unknown).toMatchObject({ code: 1, stderr: `no case triage:nope:${run}\n` });
}, 60_000);

test('answer on a closed case exits 1 saying the case is closed, with its disposition', async () => {
  const closed = await startCase(`${run}-closed`, 'CLI closed rule');
  ids.push(closed);
  await temporal.client.workflow.getHandle(closed).terminate('closed for the test');
  const result = await cli(['answer', closed, '--as', 'jdoe@contoso.example', '--yes']);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`case ${closed} is closed (undetermined)\n`);
}, 60_000);

test('an unreachable Temporal exits 3 and says where it looked', async () => {
  const port = await freePort();
  const result = await cli(['list'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
  expect(result.code).toBe(3);
  expect(result.stderr).toContain(`cannot reach Temporal at 127.0.0.1:${port}`);
}, 60_000);
