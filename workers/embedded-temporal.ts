import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDemoCodecKeyFile, productDataConverter } from '../client/codec';
import type { TemporalConfig } from '../common/config';
import { startDevServer, temporalDir } from '../scripts/servers';
import { takeOverDevServerPorts } from './stale-dev-server';
import { connectTemporal, type TemporalHandles } from './temporal-connection';

/**
 * `npm start`'s Temporal (the demo entry point only): the configured cluster when TEMPORAL_ADDRESS is set, else the
 * embedded dev server with its SQLite file in .temporal/data and the Web UI on the frontend port + 1000, its payloads
 * encrypted with the configured keys or the demo key file, and the UI decrypting through `uiCodecEndpoint`.
 */
export async function embeddedTemporal(
  config: TemporalConfig,
  log: (line: string) => void,
  uiCodecEndpoint?: string,
): Promise<TemporalHandles> {
  if (config.address) return connectTemporal({ ...config, address: config.address }, log);
  const demoKey = ensureDemoCodecKeyFile();
  if (demoKey) log(`Payloads are encrypted with the demo key in ${demoKey} (set SOC_CODEC_KEYS for your own).`);
  const dataConverter = productDataConverter(process.env, { demoKeyFile: true });
  const dataDir = join(temporalDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const dbFilename = join(dataDir, 'temporal.sqlite');
  const uiPort = config.devServerPort + 1000;
  await takeOverDevServerPorts({ port: config.devServerPort, uiPort, dbFilename, log });
  log('Starting the embedded Temporal dev server…');
  const env = await startDevServer(
    { namespace: config.namespace, port: config.devServerPort, ui: true, uiPort, dbFilename },
    log,
    { client: { dataConverter }, extraArgs: uiCodecEndpoint ? ['--ui-codec-endpoint', uiCodecEndpoint] : [] },
  );
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    dataConverter,
    namespace: config.namespace,
    webUi: `http://localhost:${uiPort}`,
    close: () => env.teardown(),
  };
}
