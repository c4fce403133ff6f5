/**
 * The production worker: `npm run worker`. Needs TEMPORAL_ADDRESS (a self-hosted cluster or Temporal Cloud); run as
 * many copies as the load needs, on as many machines, all on the same task queue.
 */
import { ConfigError, loadTemporalConfig } from '../common/config';
import { connectTemporal } from './temporal-connection';
import { selectPorts } from './ports';
import { createTriageWorker } from './worker';

async function main(): Promise<void> {
  const config = loadTemporalConfig();
  if (!config.address) {
    throw new ConfigError('TEMPORAL_ADDRESS', 'must name the Temporal frontend for a standalone worker (npm start runs an embedded dev server instead)');
  }
  const temporal = await connectTemporal(config);
  const { ports, description } = await selectPorts({ log: console.log });
  const worker = await createTriageWorker({ connection: temporal.nativeConnection, namespace: config.namespace, taskQueue: config.taskQueue, ports });
  console.log(`Worker polling task queue "${config.taskQueue}" in namespace "${config.namespace}" at ${config.address} (${description}).`);
  await worker.run();
  await temporal.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
