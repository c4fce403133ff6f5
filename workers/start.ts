/**
 * `npm start`: runs the whole product on one machine. Without TEMPORAL_ADDRESS it starts an embedded Temporal dev
 * server (SQLite in .temporal/data, Web UI on port 8233); with no tenant configured it runs in demo mode. Ctrl-C stops
 * everything it started.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ConfigError, loadTemporalConfig, loadTriageConfig } from '../common/config';
import { DEMO_ANALYST } from './demo';
import { selectPorts } from './ports';
import { connectTemporal } from './temporal-connection';
import { createTriageWorker } from './worker';

const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadTemporalConfig();
  const triage = loadTriageConfig();
  const temporal = await connectTemporal(config, log);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await temporal.close().catch(() => undefined);
    process.exit(code);
  };

  try {
    const { ports, description, demo } = await selectPorts({ log });
    const worker = await createTriageWorker({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      taskQueue: config.taskQueue,
      ports,
    });
    const analysts = triage.analysts.length ? triage.analysts : [DEMO_ANALYST];
    log('');
    log(`soc-triage is running (${description}).`);
    if (temporal.webUi) log(`Temporal Web UI: ${temporal.webUi}/namespaces/${temporal.namespace}/workflows`);
    log(`Task queue: ${config.taskQueue} · namespace: ${temporal.namespace} · analysts: ${analysts.join(', ')}`);
    if (demo) {
      log('Send a demo alert:    npm run soc -- demo-alert            (asks the user "was this you?")');
      log('                      npm run soc -- demo-alert --ransomware   (contained automatically)');
      log('See open cases:       npm run soc -- list');
    }
    log('Stop with Ctrl-C.');
    // The worker shuts down gracefully on SIGINT/SIGTERM; then the embedded server is stopped.
    await worker.run();
    await stop(0);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    await stop(1);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
});
