import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TemporalConfig } from '../common/config';
import { startDevServer, temporalDir } from '../scripts/servers';
import { takeOverDevServerPorts } from './stale-dev-server';
import { connectTemporal, type TemporalHandles } from './temporal-connection';

/**
 * `npm start`'s Temporal (the demo entry point only): the configured cluster when TEMPORAL_ADDRESS is set, else the
 * embedded dev server with its SQLite file in .temporal/data and the Web UI on the frontend port + 1000.
 */
export async function embeddedTemporal(config: TemporalConfig, log: (line: string) => void): Promise<TemporalHandles> {
  if (config.address) return connectTemporal({ ...config, address: config.address }, log);
  const dataDir = join(temporalDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const dbFilename = join(dataDir, 'temporal.sqlite');
  const uiPort = config.devServerPort + 1000;
  await takeOverDevServerPorts({ port: config.devServerPort, uiPort, dbFilename, log });
  log('Starting the embedded Temporal dev server…');
  const env = await startDevServer(
    { namespace: config.namespace, port: config.devServerPort, ui: true, uiPort, dbFilename },
    log,
  );
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    namespace: config.namespace,
    webUi: `http://localhost:${uiPort}`,
    close: () => env.teardown(),
  };
}
