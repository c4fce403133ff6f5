import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureDockerCompose } from '../../scripts/tools';
import { startDevServer } from '../../scripts/servers';
import workflowSetup from './workflow-setup';

/**
 * The integration and end-to-end layers, once per run: what the workflow layer needs, and one dev server (real
 * Temporal, in-memory SQLite) shared by the dev-server tests, each on its own task queue.
 */
export default async function globalSetup(): Promise<void> {
  await workflowSetup();
  try {
    process.env.SOC_DOCKER_COMPOSE = ensureDockerCompose();
  } catch (err) {
    process.env.SOC_DOCKER_COMPOSE_MISSING = (err as Error).message;
  }
  const env = await startDevServer();
  (globalThis as { __socDevServer?: TestWorkflowEnvironment }).__socDevServer = env;
  process.env.SOC_TEST_TEMPORAL_ADDRESS = env.address;
}
