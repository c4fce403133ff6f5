/**
 * The product's worker for `npm run bench:scale`: `workers/main.ts` (the same settings, workflows, activities, cache
 * and task slots) with the in-memory demo tenant as its ports, so the benchmark measures cases waiting at scale, not
 * HTTPS round trips to a stand-in on a shared machine (`--standins` runs `workers/main.ts` against them instead).
 */
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { loadLogLevel } from '../../common/config';
import { createWorkerLogger } from '../../workers/logger';
import { installRuntime, loadProductSettings, startProduct } from '../../workers/product';
import { connectTemporal } from '../../workers/temporal-connection';

async function main(): Promise<void> {
  const settings = loadProductSettings({ requireAddress: true });
  installRuntime(settings, createWorkerLogger(loadLogLevel(process.env, 'warn')));
  const temporal = await connectTemporal({ ...settings.config, address: settings.config.address! }, console.log);
  const product = await startProduct({
    log: console.log,
    settings,
    temporal,
    selectPorts: async () => ({
      ports: createInMemoryPorts(World.create(demoSeed())),
      description: 'bench: in-memory demo tenant, nobody answers',
      demo: true,
      close: async () => undefined,
    }),
  });
  console.log(`Worker polling task queue "${product.config.taskQueue}" (${product.description}).`);
  await product.worker.run();
  await product.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
