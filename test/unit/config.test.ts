import { spawnSync } from 'node:child_process';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_MAX_CACHED_WORKFLOWS,
  DEFAULT_WORKFLOW_THREADS,
  loadGraphConfig,
  loadIntakeConfig,
  loadMetricsConfig,
  loadTeamsConfig,
  loadTemporalConfig,
  loadTriageConfig,
  loadWorkerConfig,
} from '../../common/config';
import { loadRuleCatalog } from '../../common/rules';
import { VERSIONED_WORKFLOWS_MARKER } from '../../common/versioning';
import { projectRoot } from '../../scripts/servers';

const dir = mkdtempSync(join(tmpdir(), 'soc-config-'));
const pem = join(dir, 'client.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const notPem = join(dir, 'client.txt');
writeFileSync(notPem, 'hello');

test('defaults run the embedded dev server on the soc-triage task queue', () => {
  expect(loadTemporalConfig({})).toMatchObject({
    address: undefined,
    namespace: 'default',
    taskQueue: 'soc-triage',
    devServerPort: 7233,
    tls: undefined,
    apiKey: undefined,
  });
});

test('a Temporal Cloud configuration: address, namespace, API key', () => {
  const config = loadTemporalConfig({
    TEMPORAL_ADDRESS: 'soc.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'soc.a1b2c',
    TEMPORAL_API_KEY: 'key-0123456789abcdef',
  });
  expect(config).toMatchObject({
    address: 'soc.a1b2c.tmprl.cloud:7233',
    namespace: 'soc.a1b2c',
    apiKey: 'key-0123456789abcdef',
  });
});

test.each([
  [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS must be host:port'],
  [{ TEMPORAL_NAMESPACE: 'my namespace' }, 'TEMPORAL_NAMESPACE may contain only'],
  [{ TEMPORAL_TASK_QUEUE: 'a/b' }, 'TEMPORAL_TASK_QUEUE may contain only'],
  [{ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CERT: pem }, 'TEMPORAL_TLS_KEY must be set together'],
  [
    { TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CERT: join(dir, 'missing.pem'), TEMPORAL_TLS_KEY: pem },
    'TEMPORAL_TLS_CERT names a file that cannot be read (ENOENT)',
  ],
  [{ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CERT: notPem, TEMPORAL_TLS_KEY: pem }, 'TEMPORAL_TLS_CERT names'],
  [{ TEMPORAL_API_KEY: 'key-0123456789abcdef' }, 'TEMPORAL_ADDRESS must be set when TLS or an API key is configured'],
  [{ TEMPORAL_DEV_SERVER_PORT: '80' }, 'TEMPORAL_DEV_SERVER_PORT must be a port'],
])('invalid configuration %j is refused with a message naming the variable', (env, message) => {
  expect(() => loadTemporalConfig(env)).toThrow(`Invalid configuration: ${message}`);
});

test('analysts are Entra object ids', () => {
  expect(
    loadTriageConfig({ SOC_ANALYSTS: 'aaaaaaaa-0000-4000-8000-000000000001, bbbbbbbb-0000-4000-8000-000000000002' })
      .analysts,
  ).toEqual(['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002']);
  expect(() => loadTriageConfig({ SOC_ANALYSTS: 'alice@contoso.example' })).toThrow(
    'Invalid configuration: SOC_ANALYSTS must list Entra object ids',
  );
});

test('worker tuning: the measured cache size by default, task slots and a prebuilt bundle from the environment', () => {
  const missingBundle = join(dir, 'no-bundle.js');
  expect(loadWorkerConfig({}, missingBundle)).toEqual({
    maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: undefined,
    maxConcurrentActivityTaskExecutions: undefined,
    workflowThreads: DEFAULT_WORKFLOW_THREADS,
    workflowBundlePath: undefined,
  });
  const bundle = join(dir, 'workflow-bundle.js');
  writeFileSync(bundle, '// bundle');
  expect(
    loadWorkerConfig(
      {
        SOC_WORKER_MAX_CACHED_WORKFLOWS: '250',
        SOC_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
        SOC_WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
        SOC_WORKER_WORKFLOW_THREADS: '3',
        SOC_WORKFLOW_BUNDLE: bundle,
      },
      missingBundle,
    ),
  ).toEqual({
    maxCachedWorkflows: 250,
    maxConcurrentWorkflowTaskExecutions: 20,
    maxConcurrentActivityTaskExecutions: 50,
    workflowThreads: 3,
    workflowBundlePath: bundle,
  });
});

test('the default bundle is used only when no workflow source is newer than it', () => {
  const bundle = join(dir, 'default-bundle.js');
  writeFileSync(bundle, '// bundle');
  expect(loadWorkerConfig({}, bundle).workflowBundlePath).toBe(bundle);
  const longAgo = new Date('2000-01-01T00:00:00Z');
  utimesSync(bundle, longAgo, longAgo);
  expect(loadWorkerConfig({}, bundle).workflowBundlePath).toBeUndefined();
});

test.each([
  [{ SOC_WORKER_MAX_CACHED_WORKFLOWS: 'lots' }, 'SOC_WORKER_MAX_CACHED_WORKFLOWS must be a whole number'],
  [{ SOC_WORKER_MAX_CACHED_WORKFLOWS: '-1' }, 'SOC_WORKER_MAX_CACHED_WORKFLOWS must be a whole number'],
  [
    { SOC_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' },
    'SOC_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be a whole number',
  ],
  [{ SOC_WORKER_MAX_CONCURRENT_ACTIVITIES: '2.5' }, 'SOC_WORKER_MAX_CONCURRENT_ACTIVITIES must be a whole number'],
  [{ SOC_WORKER_WORKFLOW_THREADS: '0' }, 'SOC_WORKER_WORKFLOW_THREADS must be a whole number'],
  [{ SOC_WORKFLOW_BUNDLE: '/nowhere/bundle.js' }, 'SOC_WORKFLOW_BUNDLE names /nowhere/bundle.js, which does not exist'],
])('invalid worker tuning %j is refused with a message naming the variable', (env, message) => {
  expect(() => loadWorkerConfig(env)).toThrow(`Invalid configuration: ${message}`);
});

test('Worker Deployment Versioning is opt-in: both variables make a versioned worker, with the versioned bundle', () => {
  const plain = join(dir, 'plain-bundle.js');
  const versioned = join(dir, 'versioned-bundle.js');
  writeFileSync(plain, '// bundle of workflows/index.ts');
  writeFileSync(versioned, `// bundle of workflows/versioned.ts\nconst marker = "${VERSIONED_WORKFLOWS_MARKER}";`);
  expect(loadWorkerConfig({}, plain, versioned)).toMatchObject({ deployment: undefined, workflowBundlePath: plain });
  const env = { SOC_WORKER_DEPLOYMENT_NAME: 'soc-triage', SOC_WORKER_BUILD_ID: '1.4.2+3f2c1d0' };
  expect(loadWorkerConfig(env, plain, versioned)).toMatchObject({
    deployment: { deploymentName: 'soc-triage', buildId: '1.4.2+3f2c1d0' },
    workflowBundlePath: versioned,
  });
  // A bundle of the other kind would leave every long-running workflow pinned, or have every task rejected.
  expect(() => loadWorkerConfig({ ...env, SOC_WORKFLOW_BUNDLE: plain })).toThrow(
    'Invalid configuration: SOC_WORKFLOW_BUNDLE names',
  );
  expect(() => loadWorkerConfig({ SOC_WORKFLOW_BUNDLE: versioned })).toThrow(
    'a versioned bundle: it needs SOC_WORKER_DEPLOYMENT_NAME and SOC_WORKER_BUILD_ID',
  );
});

test.each([
  [{ SOC_WORKER_DEPLOYMENT_NAME: 'soc-triage' }, 'SOC_WORKER_BUILD_ID must be set with SOC_WORKER_DEPLOYMENT_NAME'],
  [{ SOC_WORKER_BUILD_ID: 'abc123' }, 'SOC_WORKER_DEPLOYMENT_NAME must be set with SOC_WORKER_BUILD_ID'],
  [
    { SOC_WORKER_DEPLOYMENT_NAME: 'soc.triage', SOC_WORKER_BUILD_ID: 'abc123' },
    'SOC_WORKER_DEPLOYMENT_NAME must be letters, digits, "_" and "-" (no ".")',
  ],
  [
    { SOC_WORKER_DEPLOYMENT_NAME: 'soc-triage', SOC_WORKER_BUILD_ID: 'v 2' },
    'SOC_WORKER_BUILD_ID must be letters, digits',
  ],
])('invalid versioning settings %j are refused with a message naming the variable', (env, message) => {
  expect(() => loadWorkerConfig(env)).toThrow(`Invalid configuration: ${message}`);
});

test('npm start stops at once on invalid configuration, naming the variable, and starts nothing', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'workers/start.ts'], {
    cwd: projectRoot,
    env: { ...process.env, TEMPORAL_NAMESPACE: 'not valid!' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.status).toBe(1);
  expect(result.stderr.trim()).toBe(
    'Invalid configuration: TEMPORAL_NAMESPACE may contain only letters, digits, ".", "_" and "-"',
  );
  expect(result.stdout).not.toContain('Starting the embedded Temporal dev server');
});

test('SOC_METRICS_BIND takes host:port or off; anything else is named with the forms it accepts', () => {
  expect(loadMetricsConfig({})).toEqual({ prometheusBind: '127.0.0.1:9464' });
  expect(loadMetricsConfig({ SOC_METRICS_BIND: 'OFF' })).toEqual({ prometheusBind: undefined });
  expect(loadMetricsConfig({ SOC_METRICS_BIND: '0.0.0.0:9464' })).toEqual({ prometheusBind: '0.0.0.0:9464' });
  const forms = 'SOC_METRICS_BIND must be host:port such as 127.0.0.1:9464 (0.0.0.0:9464 in a container), or off';
  expect(() => loadMetricsConfig({ SOC_METRICS_BIND: 'nonsense' })).toThrow(`Invalid configuration: ${forms}`);
  expect(() => loadMetricsConfig({ SOC_METRICS_BIND: 'nonsense' })).not.toThrow(/tmprl\.cloud/);
  expect(() => loadMetricsConfig({ SOC_METRICS_BIND: '127.0.0.1:99999' })).toThrow(
    `Invalid configuration: ${forms} (the port must be between 1 and 65535)`,
  );
});

test.each([
  [
    () => loadGraphConfig({ DEFENDER_ISOLATION_TYPE: 'partial' }),
    'DEFENDER_ISOLATION_TYPE must be Full (the default) or Selective',
  ],
  [
    () => loadGraphConfig({ GRAPH_TIMEOUT_SECONDS: 'soon' }),
    'GRAPH_TIMEOUT_SECONDS must be a whole number of seconds between 1 and 120',
  ],
  [
    () => loadTemporalConfig({ TEMPORAL_ADDRESS: 'localhost:70000' }),
    'TEMPORAL_ADDRESS must be host:port, for example localhost:7233 or my-ns.a1b2c.tmprl.cloud:7233 (the port must be between 1 and 65535)',
  ],
  [
    () => loadTemporalConfig({ TEMPORAL_DEV_SERVER_PORT: 'next' }),
    'TEMPORAL_DEV_SERVER_PORT must be a port between 1024 and 64535',
  ],
  [() => loadIntakeConfig({ SOC_INTAKE_PORT: 'eighty' }), 'SOC_INTAKE_PORT must be a port number between 0 and 65535'],
  [
    () => loadIntakeConfig({ SOC_INTAKE_MAX_IN_FLIGHT: 'many' }),
    'SOC_INTAKE_MAX_IN_FLIGHT must be a whole number between 1 and 4096',
  ],
  [() => loadTeamsConfig({ TEAMS_BOT_PORT: '3978.5' }), 'TEAMS_BOT_PORT must be a port number between 0 and 65535'],
  [() => loadTeamsConfig({ TEAMS_BOT_HOST: 'a host' }), 'TEAMS_BOT_HOST must be a host name or IP address'],
])('each value is checked where it is read, naming the variable and what it accepts (%#)', (load, message) => {
  expect(load).toThrow(`Invalid configuration: ${message}`);
});

test('a rules file that cannot be used is named as it was given: an absolute path stays absolute', () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'rules: [');
  const { rulesFile } = loadTriageConfig({ SOC_RULES_FILE: bad });
  expect(rulesFile).toBe(bad);
  expect(() => loadRuleCatalog(rulesFile)).toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  expect(() => loadRuleCatalog('no/such/catalog.yaml')).toThrow(/^no\/such\/catalog\.yaml: cannot be read \(ENOENT\)/);
});
