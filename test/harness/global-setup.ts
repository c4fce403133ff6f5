import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildWorkflowBundle } from '../../scripts/build-bundle';
import { ensureStandInTls } from '../../standins/tls';
import { ensureDockerCompose } from '../../scripts/tools';
import { resolveTestServer, startDevServer, temporalDir } from '../../scripts/servers';
import { prepareClusterForTests } from './cluster';

/**
 * Runs once per `npm test`: supplies both Temporal servers, bundles the workflows once for every test file, and starts
 * one dev server (real Temporal, in-memory SQLite) shared by the dev-server tests, each on its own task queue. When the
 * cluster test is selected, it also builds the Temporal server and installs PostgreSQL for it.
 */
export default async function globalSetup(globalConfig: { testPathPatterns: { patterns: string[] } }): Promise<void> {
  // Test files run in worker processes started after this; they trust the stand-ins' HTTPS certificate.
  const tls = await ensureStandInTls(join(temporalDir, 'tls'));
  process.env.NODE_EXTRA_CA_CERTS = tls.certPath;
  process.env.SOC_STANDIN_TLS_CERT = tls.certPath;
  process.env.SOC_STANDIN_TLS_KEY = tls.keyPath;

  resolveTestServer();
  prepareClusterForTests(globalConfig.testPathPatterns.patterns);
  try {
    process.env.SOC_DOCKER_COMPOSE = ensureDockerCompose();
  } catch (err) {
    process.env.SOC_DOCKER_COMPOSE_MISSING = (err as Error).message;
  }

  const bundlePath = join(temporalDir, 'cache', 'workflow-bundle.js');
  await buildWorkflowBundle(bundlePath);
  process.env.SOC_TEST_WORKFLOW_BUNDLE = bundlePath;

  const env = await startDevServer();
  (globalThis as { __socDevServer?: TestWorkflowEnvironment }).__socDevServer = env;
  process.env.SOC_TEST_TEMPORAL_ADDRESS = env.address;
}
