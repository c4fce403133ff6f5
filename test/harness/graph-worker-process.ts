/**
 * A triage worker in its own process using the production Graph ports, configured from the environment the way a
 * deployment is (GRAPH_* variables pointing at a stand-in the test process runs), so a test can SIGKILL it mid-action.
 * Environment: SOC_TEST_TEMPORAL_ADDRESS, SOC_TEST_WORKFLOW_BUNDLE, TASK_QUEUE, GRAPH_*, NODE_EXTRA_CA_CERTS.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createGraphPorts } from '../../activities/graph';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { loadGraphConfig } from '../../common/config/graph';
import { createTriageWorker } from '../../workers/worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = loadGraphConfig(process.env);
  if (!config) throw new Error('GRAPH_TENANT_ID is not set');
  const connection = await NativeConnection.connect({ address: process.env.SOC_TEST_TEMPORAL_ADDRESS! });
  const graph = createGraphPorts(config, { pollIntervalMs: 100 });
  const worker = await createTriageWorker({
    connection,
    namespace: 'default',
    taskQueue: process.env.TASK_QUEUE!,
    ports: { ...graph, messenger: createInMemoryPorts(World.create(demoSeed())).messenger },
    workflowBundle: { codePath: process.env.SOC_TEST_WORKFLOW_BUNDLE! },
  });
  process.stdout.write('worker ready\n');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
