/**
 * The production worker: `npm run worker`. Needs TEMPORAL_ADDRESS (a self-hosted cluster or Temporal Cloud); run as
 * many copies as the load needs, on as many machines, all on the same task queue.
 */
import { ConfigError } from '../common/config';
import { RuleCatalogError } from '../common/rules';
import { startProduct } from './product';

async function main(): Promise<void> {
  const product = await startProduct({ log: console.log, requireAddress: true, logLevel: 'INFO' });
  const { config } = product;
  console.log(
    `Worker polling task queue "${config.taskQueue}" in namespace "${config.namespace}" at ${config.address} (${product.description}).`,
  );
  if (product.prometheus) console.log(`Prometheus metrics: http://${product.prometheus}/metrics`);
  await product.worker.run();
  await product.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError || err instanceof RuleCatalogError ? err.message : err);
  process.exit(1);
});
