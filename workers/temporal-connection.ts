import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { productDataConverter } from '../client/codec';
import { connectionOptions, type TemporalConfig } from '../common/config';
import { registerSearchAttributes } from './search-attributes';

export interface TemporalHandles {
  client: Client;
  nativeConnection: NativeConnection;
  /** Payload encryption: the client has it, and every worker on `nativeConnection` must be given it. */
  dataConverter: DataConverter;
  namespace: string;
  /** Where the Web UI is, when this process started the embedded dev server. */
  webUi?: string;
  close(): Promise<void>;
}

/** Connects to the configured cluster (TEMPORAL_ADDRESS: self-hosted or Temporal Cloud) and registers the search attributes. */
export async function connectTemporal(
  config: TemporalConfig & { address: string },
  log: (line: string) => void = console.log,
): Promise<TemporalHandles> {
  const dataConverter = productDataConverter(process.env, { demoKeyFile: false });
  const options = connectionOptions(config, config.address);
  const connection = await Connection.connect(options);
  const nativeConnection = await NativeConnection.connect(options);
  const registered = await registerSearchAttributes(connection, config.namespace).catch((err: Error) => {
    log(`warning: ${err.message}`);
    return [];
  });
  if (registered.length) log(`Registered search attributes: ${registered.join(', ')}`);
  return {
    client: new Client({ connection, namespace: config.namespace, dataConverter }),
    nativeConnection,
    dataConverter,
    namespace: config.namespace,
    async close() {
      await nativeConnection.close();
      await connection.close();
    },
  };
}
