import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Ports } from '../../activities/ports';
import { productDataConverter } from '../../client/codec';
import { createTriageWorker } from '../../workers/worker';
import { startTimeSkippingEnvironment } from '../../scripts/servers';

let runtimeInstalled = false;
/** Keeps the SDK's own logging to warnings so test output stays readable. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* already installed by another helper in this worker */
  }
}

/** The product's payload encryption with the run's key (SOC_CODEC_KEYS, set by the global setup). */
export function testDataConverter(): DataConverter {
  if (!process.env.SOC_CODEC_KEYS) throw new Error('SOC_CODEC_KEYS is not set: run the tests through `npm test`');
  return productDataConverter(process.env, { demoKeyFile: false });
}

export function workflowBundle(): { codePath: string } {
  const codePath = process.env.SOC_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('SOC_TEST_WORKFLOW_BUNDLE is not set: run the tests through `npm test`');
  return { codePath };
}

export interface TimeSkippingHarness {
  env: TestWorkflowEnvironment;
  teardown(): Promise<void>;
}

/** A time-skipping test server for one test file (see `startTimeSkippingEnvironment`). */
export async function startTimeSkipping(): Promise<TimeSkippingHarness> {
  quietRuntime();
  return startTimeSkippingEnvironment({ dataConverter: testDataConverter() });
}

export interface DevServerHarness {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  address: string;
  namespace: string;
  teardown(): Promise<void>;
}

/** A connection to the dev server that global setup started for the whole run. */
export async function connectDevServer(): Promise<DevServerHarness> {
  quietRuntime();
  const address = process.env.SOC_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('SOC_TEST_TEMPORAL_ADDRESS is not set: run the tests through `npm test`');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default', dataConverter: testDataConverter() }),
    connection,
    nativeConnection,
    address,
    namespace: 'default',
    async teardown() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function triageWorker(
  connection: NativeConnection,
  taskQueue: string,
  ports: Ports,
  namespace = 'default',
): Promise<Worker> {
  return createTriageWorker({
    connection,
    namespace,
    taskQueue,
    ports,
    dataConverter: testDataConverter(),
    workflowBundle: workflowBundle(),
  });
}

/** Terminates what is still running on a test's task queue (cases waiting for a user would stay open on the server). */
export async function terminateRunning(client: Client, taskQueue: string): Promise<void> {
  for await (const execution of client.workflow.list({
    query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
  })) {
    await client.workflow
      .getHandle(execution.workflowId)
      .terminate('test finished')
      .catch(() => undefined);
  }
}
