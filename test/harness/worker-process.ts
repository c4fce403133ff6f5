/**
 * A triage worker in its own process, so a test can SIGKILL it mid-action and start another. Its ports come from the
 * environment: with GRAPH_* (pointing at a stand-in the test process runs, NODE_EXTRA_CA_CERTS trusting it) the
 * production Graph ports, configured the way a deployment is; otherwise an in-memory world mirrored to WORLD_FILE.
 * Also: SOC_TEST_TEMPORAL_ADDRESS, SOC_TEST_WORKFLOW_BUNDLE, TASK_QUEUE.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createGraphPorts } from '../../activities/graph';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import type { Ports } from '../../activities/ports';
import { loadGraphConfig } from '../../common/config/graph';
import { createTriageWorker } from '../../workers/worker';
import { testDataConverter } from './temporal';

function portsFromEnvironment(): Ports {
  const graph = loadGraphConfig(process.env);
  if (!graph) return createInMemoryPorts(World.open(process.env.WORLD_FILE!));
  return {
    ...createGraphPorts(graph, { pollIntervalMs: 100 }),
    messenger: createInMemoryPorts(World.create(demoSeed())).messenger,
  };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: process.env.SOC_TEST_TEMPORAL_ADDRESS! });
  const worker = await createTriageWorker({
    connection,
    namespace: 'default',
    taskQueue: process.env.TASK_QUEUE!,
    ports: portsFromEnvironment(),
    dataConverter: testDataConverter(),
    workflowBundle: { codePath: process.env.SOC_TEST_WORKFLOW_BUNDLE! },
  });
  process.stdout.write('worker ready\n');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
