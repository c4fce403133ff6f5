import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError } from '../../common/config';
import { productionPorts } from '../../workers/production-ports';
import { makeAlert } from '../harness/alerts';
import { launchers } from '../../client/process/launcher-watch';
import { ensurePortFree, listenFailure, StartupError } from '../../client/process/startup-error';

/** No silent demo: the production worker runs against Microsoft or not at all, unless a reduced mode is named. */

const graph = {
  GRAPH_TENANT_ID: '0b5e1c7a-1111-4111-8111-0123456789ab',
  GRAPH_CLIENT_ID: '0b5e1c7a-2222-4222-8222-0123456789ab',
  GRAPH_CLIENT_SECRET: 'a-client-secret-for-tests',
};

function refusal(env: Record<string, string>): ConfigError {
  try {
    productionPorts(() => undefined, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('the production ports started');
}

test('without a tenant the production ports refuse, naming the Graph variables', () => {
  expect(refusal({}).message).toMatch(/GRAPH_TENANT_ID.*GRAPH_CLIENT_ID.*GRAPH_CLIENT_SECRET/);
});

test('without Teams they refuse, naming the Teams variables and the reduced mode that would allow it', () => {
  const message = refusal(graph).message;
  expect(message).toMatch(/TEAMS_APP_ID.*TEAMS_APP_SECRET.*TEAMS_TENANT_ID.*TEAMS_SOC_CONVERSATION_ID/);
  expect(message).toMatch(/SOC_REDUCED_MODE=log-messaging/);
  expect(refusal({ ...graph, SOC_REDUCED_MODE: 'yes' }).message).toMatch(/SOC_REDUCED_MODE/);
});

test('the named reduced mode says so, asks nobody (the case escalates) and writes escalations to the log', async () => {
  const lines: string[] = [];
  const selected = productionPorts((line) => lines.push(line), { ...graph, SOC_REDUCED_MODE: 'log-messaging' });
  expect(selected.demo).toBe(false);
  expect(selected.description).toMatch(/REDUCED MODE .*nobody is asked/);
  const alert = makeAlert();
  const asked = selected.ports.messenger.askUser({ workflowId: 'wf', alert, user: {}, deadline: '', facts: [] });
  await expect(asked).rejects.toBeInstanceOf(ApplicationFailure);
  await expect(asked).rejects.toMatchObject({ nonRetryable: true });
  await selected.ports.messenger.escalate({
    workflowId: 'wf',
    alert,
    reason: 'no response',
    disposition: 'undetermined',
    summary: '',
    containment: [],
    attempt: 1,
  });
  expect(lines).toEqual([expect.stringContaining('wf: Sign-in from two countries within an hour — no response')]);
});

test('npm run worker stops at start-up with the missing variable named, before connecting anywhere', () => {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'workers', 'main.ts')], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/Invalid configuration: GRAPH_TENANT_ID must be set/);
});

test('a busy port is one line: what failed, the port, the process holding it and the variable to change', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const { port } = busy.address() as AddressInfo;
  try {
    const listener = { what: 'the SIEM intake', host: '127.0.0.1', port, fix: 'SOC_INTAKE_PORT to a free port' };
    const refusal = await ensurePortFree(listener).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(StartupError);
    expect((refusal as Error).message).toMatch(
      new RegExp(
        `^Cannot start the SIEM intake: port ${port} on 127\\.0\\.0\\.1 is in use \\(EADDRINUSE\\) by pid ${process.pid} \\(.+\\); stop it \\(kill ${process.pid}\\), or set SOC_INTAKE_PORT to a free port$`,
      ),
    );
    // The SDK's Prometheus exporter says only "Address already in use": it becomes the same line.
    const metrics = listenFailure(
      new Error('Failed to start prometheus metrics exporter: Address already in use (os error 98)'),
      {
        ...listener,
        what: 'the Prometheus metrics endpoint',
        fix: 'SOC_METRICS_BIND to a free host:port, or off',
      },
    );
    expect(metrics.message).toMatch(
      /^Cannot start the Prometheus metrics endpoint: port \d+ on 127\.0\.0\.1 is in use/,
    );
    expect(metrics.message).toMatch(/or set SOC_METRICS_BIND to a free host:port, or off$/);
    expect(metrics.message.split('\n')).toHaveLength(1);
  } finally {
    busy.close();
  }
});

test('an entry point watches what launched it: its parent at least, never above npm', () => {
  const watched = launchers();
  expect(watched[0]?.pid).toBe(process.ppid);
  expect(watched.length).toBeLessThanOrEqual(6);
});
