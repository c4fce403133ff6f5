import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError } from '../../common/config';
import { productionPorts } from '../../workers/production-ports';
import { makeAlert } from '../harness/alerts';

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
