/**
 * The worker for the bench floor (`benchTimerWorkflow`), in its own process with the product worker's settings
 * (common/config/worker.ts: cache size and task slots), so only the workflow differs. TEMPORAL_ADDRESS, TASK_QUEUE.
 */
import { productDataConverter } from '../../client/codec';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadWorkerConfig } from '../../common/config';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const settings = loadWorkerConfig();
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    // The floor pays for encryption like the product's workers.
    dataConverter: productDataConverter(process.env, { demoKeyFile: false }),
    namespace: 'default',
    taskQueue: process.env.TASK_QUEUE!,
    workflowsPath: require.resolve('./timer-workflow'),
    maxCachedWorkflows: settings.maxCachedWorkflows,
    ...(settings.maxConcurrentWorkflowTaskExecutions
      ? { maxConcurrentWorkflowTaskExecutions: settings.maxConcurrentWorkflowTaskExecutions }
      : {}),
    workflowThreadPoolSize: settings.workflowThreads,
  });
  console.log('timer worker ready');
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
