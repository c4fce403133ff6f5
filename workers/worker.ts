import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Ports } from '../activities/ports';
import type { WorkerDeployment } from '../common/config';

export interface TriageWorkerOptions {
  connection: NativeConnection;
  /** Payload encryption (`client/codec`): the same as the clients'. */
  dataConverter: DataConverter;
  namespace: string;
  taskQueue: string;
  ports: Ports;
  /** A pre-built bundle (tests, production images); otherwise the workflows are bundled at start. */
  workflowBundle?: { codePath: string } | { code: string };
  identity?: string;
  /** Activities beyond the triage ones (the fidelity loop's). */
  extraActivities?: object;
  /** Worker Deployment Versioning; the bundle, if given, must then be the versioned one (common/versioning.ts). */
  deployment?: WorkerDeployment;
  tuning?: Pick<
    WorkerOptions,
    | 'maxConcurrentActivityTaskExecutions'
    | 'maxConcurrentWorkflowTaskExecutions'
    | 'maxCachedWorkflows'
    | 'workflowThreadPoolSize'
  >;
}

export function createTriageWorker(options: TriageWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    dataConverter: options.dataConverter,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.identity ? { identity: options.identity } : {}),
    activities: { ...createActivities(options.ports), ...options.extraActivities },
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve(options.deployment ? '../workflows/versioned' : '../workflows') }),
    ...(options.deployment
      ? {
          workerDeploymentOptions: {
            version: options.deployment,
            useWorkerVersioning: true,
            defaultVersioningBehavior: 'PINNED' as const,
          },
        }
      : {}),
    ...options.tuning,
  });
}
