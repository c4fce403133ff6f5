/**
 * The production worker: `npm run worker`. Needs TEMPORAL_ADDRESS (a self-hosted cluster or Temporal Cloud); run as
 * many copies as the load needs, on as many machines, all on the same task queue.
 */
import { ConfigError, loadLogLevel } from '../common/config';
import { createWorkerLogger } from './logger';
import { RuleCatalogError } from '../common/rules';
import { stopWhenLaunchersExit } from '../client/process/launcher-watch';
import { StartupError } from '../client/process/startup-error';
import { installRuntime, loadProductSettings, startProduct } from './product';
import { productionPorts } from './production-ports';
import { connectTemporal } from './temporal-connection';

async function main(): Promise<void> {
  const settings = loadProductSettings({ requireAddress: true });
  // JSON lines, like the intake's; the SDK's runtime, workflows and activities log through the same logger.
  const logger = createWorkerLogger(loadLogLevel(process.env, 'info'));
  const log = (line: string) => logger.pino.info(line);
  stopWhenLaunchersExit(log);
  // Fails closed before anything connects: no tenant or no Teams (and no reduced mode asked for) stops start-up here.
  const ports = productionPorts(log);
  installRuntime(settings, logger);
  const temporal = await connectTemporal({ ...settings.config, address: settings.config.address! }, log);
  const product = await startProduct({ log, settings, temporal, selectPorts: async () => ports });
  const { config } = product;
  log(
    `Worker polling task queue "${config.taskQueue}" in namespace "${config.namespace}" at ${config.address} (${product.description}).`,
  );
  if (product.prometheus) log(`Prometheus metrics: http://${product.prometheus}/metrics`);
  // The worker lets go of the connection only once it has shut down: close after it, whether it stopped or failed.
  try {
    await product.worker.run();
  } finally {
    await product.close();
  }
}

main().catch((err) => {
  const known = err instanceof ConfigError || err instanceof RuleCatalogError || err instanceof StartupError;
  console.error(known ? err.message : err);
  process.exit(1);
});
