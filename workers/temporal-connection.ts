import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectionOptions, type TemporalConfig } from '../common/config';
import { startDevServer, temporalDir } from '../scripts/servers';
import { registerSearchAttributes } from './search-attributes';

export interface TemporalHandles {
  client: Client;
  nativeConnection: NativeConnection;
  namespace: string;
  /** Where the Web UI is, when this process started the embedded dev server. */
  webUi?: string;
  close(): Promise<void>;
}

/**
 * Connects to the configured cluster (TEMPORAL_ADDRESS: self-hosted or Temporal Cloud), or starts the embedded dev
 * server with its SQLite file in .temporal/data and the Web UI on the frontend port + 1000.
 */
export async function connectTemporal(
  config: TemporalConfig,
  log: (line: string) => void = console.log,
): Promise<TemporalHandles> {
  if (config.address) {
    const options = connectionOptions(config, config.address);
    const connection = await Connection.connect(options);
    const nativeConnection = await NativeConnection.connect(options);
    const registered = await registerSearchAttributes(connection, config.namespace).catch((err: Error) => {
      log(`warning: ${err.message}`);
      return [];
    });
    if (registered.length) log(`Registered search attributes: ${registered.join(', ')}`);
    return {
      client: new Client({ connection, namespace: config.namespace }),
      nativeConnection,
      namespace: config.namespace,
      async close() {
        await nativeConnection.close();
        await connection.close();
      },
    };
  }

  const dataDir = join(temporalDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  log('Starting the embedded Temporal dev server…');
  const env = await startDevServer(
    {
      namespace: config.namespace,
      port: config.devServerPort,
      ui: true,
      uiPort: config.devServerPort + 1000,
      dbFilename: join(dataDir, 'temporal.sqlite'),
    },
    log,
  );
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    namespace: config.namespace,
    webUi: `http://localhost:${config.devServerPort + 1000}`,
    close: () => env.teardown(),
  };
}
