import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureDockerCompose } from '../../scripts/tools';
import { startDevServer } from '../../scripts/servers';
import { prepareClusterForTests } from './cluster';
import workflowSetup from './workflow-setup';

/**
 * The integration and end-to-end layers, once per run: what the workflow layer needs, and one dev server (real
 * Temporal, in-memory SQLite) shared by the dev-server tests, each on its own task queue. When the cluster test is
 * selected, it also builds the Temporal server and installs PostgreSQL for it.
 */
export default async function globalSetup(globalConfig: { testPathPatterns: { patterns: string[] } }): Promise<void> {
  await workflowSetup();
  prepareClusterForTests(globalConfig.testPathPatterns.patterns);
  try {
    process.env.SOC_DOCKER_COMPOSE = ensureDockerCompose();
  } catch (err) {
    process.env.SOC_DOCKER_COMPOSE_MISSING = (err as Error).message;
  }
  const env = await startDevServer();
  (globalThis as { __socDevServer?: TestWorkflowEnvironment }).__socDevServer = env;
  process.env.SOC_TEST_TEMPORAL_ADDRESS = env.address;
}
