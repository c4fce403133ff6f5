/**
 * A triage worker in its own process, over an in-memory world mirrored to a file, so a test can SIGKILL it mid-action
 * and start another. Environment: SOC_TEST_TEMPORAL_ADDRESS, SOC_TEST_WORKFLOW_BUNDLE, WORLD_FILE, TASK_QUEUE.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { World } from '../../activities/in-memory/world';
import { createTriageWorker } from '../../workers/worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: process.env.SOC_TEST_TEMPORAL_ADDRESS! });
  const world = World.open(process.env.WORLD_FILE!);
  const worker = await createTriageWorker({
    connection,
    namespace: 'default',
    taskQueue: process.env.TASK_QUEUE!,
    ports: createInMemoryPorts(world),
    workflowBundle: { codePath: process.env.SOC_TEST_WORKFLOW_BUNDLE! },
  });
  process.stdout.write('worker ready\n');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
