import { Client, Connection } from '@temporalio/client';
import { registerSearchAttributes } from '../../workers/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Ports } from '../../activities/ports';
import { createTriageWorker } from '../../workers/worker';
import { alreadyRunningPlaceholder, startTestServer } from '../../scripts/servers';

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

export function workflowBundle(): { codePath: string } {
  const codePath = process.env.SOC_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('SOC_TEST_WORKFLOW_BUNDLE is not set: run the tests through `npm test`');
  return { codePath };
}

export interface TimeSkippingHarness {
  env: TestWorkflowEnvironment;
  teardown(): Promise<void>;
}

/**
 * A time-skipping test server for one test file. The harness starts the JVM itself with a 60 s deadline (the SDK
 * allows about 5 s, which a JVM on a busy 2-core machine can miss) and then attaches the SDK to it.
 */
export async function startTimeSkipping(): Promise<TimeSkippingHarness> {
  quietRuntime();
  const server = await startTestServer();
  try {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: alreadyRunningPlaceholder() }, port: server.port },
    });
    await registerSearchAttributes(env.connection);
    return {
      env,
      async teardown() {
        await env.teardown();
        server.stop();
      },
    };
  } catch (err) {
    server.stop();
    throw err;
  }
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
    client: new Client({ connection, namespace: 'default' }),
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

export function triageWorker(connection: NativeConnection, taskQueue: string, ports: Ports, namespace = 'default'): Promise<Worker> {
  return createTriageWorker({ connection, namespace, taskQueue, ports, workflowBundle: workflowBundle() });
}
