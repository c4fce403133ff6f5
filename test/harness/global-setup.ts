import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureStandInTls } from '../../standins/tls';
import { ensureDockerCompose } from '../../scripts/tools';
import { resolveTestServer, startDevServer, temporalDir } from '../../scripts/servers';

/**
 * Runs once per `npm test`: supplies both Temporal servers, bundles the workflows once for every test file, and starts
 * one dev server (real Temporal, in-memory SQLite) shared by the dev-server tests, each on its own task queue.
 */
export default async function globalSetup(): Promise<void> {
  // Test files run in worker processes started after this; they trust the stand-ins' HTTPS certificate.
  const tls = await ensureStandInTls(join(temporalDir, 'tls'));
  process.env.NODE_EXTRA_CA_CERTS = tls.certPath;
  process.env.SOC_STANDIN_TLS_CERT = tls.certPath;
  process.env.SOC_STANDIN_TLS_KEY = tls.keyPath;

  resolveTestServer();
  try {
    process.env.SOC_DOCKER_COMPOSE = ensureDockerCompose();
  } catch (err) {
    process.env.SOC_DOCKER_COMPOSE_MISSING = (err as Error).message;
  }

  const bundlePath = join(temporalDir, 'cache', 'workflow-bundle.js');
  mkdirSync(join(temporalDir, 'cache'), { recursive: true });
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  writeFileSync(bundlePath, code);
  process.env.SOC_TEST_WORKFLOW_BUNDLE = bundlePath;

  const env = await startDevServer();
  (globalThis as { __socDevServer?: TestWorkflowEnvironment }).__socDevServer = env;
  process.env.SOC_TEST_TEMPORAL_ADDRESS = env.address;
}
