/**
 * `npm start`: runs the whole product on one machine. Without TEMPORAL_ADDRESS it starts an embedded Temporal dev
 * server (SQLite in .temporal/data, Web UI on port 8233); with no tenant configured it runs in demo mode. Ctrl-C stops
 * everything it started.
 */
import { join } from 'node:path';
import { sampleCurl, startIntake, withDemoToken, type RunningIntake } from '../client/intake/start';
import { EncryptionCodec, ensureDemoCodecKeyFile } from '../client/codec';
import { startDemoCodecServer } from '../client/codec-server/demo';
import { ConfigError, loadCodecKeys, loadGraphConfig, loadIntakeConfig, loadLogLevel } from '../common/config';
import { createWorkerLogger } from './logger';
import { temporalDir } from '../scripts/servers';
import { relaunchTrustingStandIn, standInCertificate, trustsStandIn } from '../standins/graph/demo';
import { RuleCatalogError } from '../common/rules';
import { stopWhenLaunchersExit } from '../client/process/launcher-watch';
import { ensurePortFree, listenFailure, StartupError, type Listener } from '../client/process/startup-error';
import { selectDemoPorts } from './demo-ports';
import { embeddedTemporal } from './embedded-temporal';
import type { TemporalHandles } from './temporal-connection';
import { caseStoryHint, triageCasesUrl } from './web-ui';
import { installRuntime, loadProductSettings, startProduct, type Product } from './product';

const log = (line: string) => console.log(line);

/** The embedded Web UI decrypts through a codec server on the UI port + 1 (127.0.0.1 only; see startDemoCodecServer). */
async function startDemoCodec(devServerPort: number) {
  ensureDemoCodecKeyFile();
  const codec = new EncryptionCodec(loadCodecKeys(process.env, { demoKeyFile: true }));
  const uiPort = devServerPort + 1000;
  return startDemoCodecServer(codec, {
    port: uiPort + 1,
    uiOrigins: [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`],
  });
}

async function main(): Promise<'relaunched' | 'stopped'> {
  // Demo mode serves Graph from a local HTTPS stand-in; Node trusts its certificate only if told when it starts.
  if (!loadGraphConfig()) {
    const tls = await standInCertificate(join(temporalDir, 'tls'));
    if (!trustsStandIn(tls.certPath)) {
      relaunchTrustingStandIn(tls.certPath); // exits with the child's exit code
      return 'relaunched';
    }
  }
  // `kill <npm pid>` reaches npm alone, and SIGKILL nobody: this process stops itself when its launcher is gone.
  stopWhenLaunchersExit(log);
  let stopRequested = false;
  const requestStop = () => (stopRequested = true);
  process.once('SIGINT', requestStop);
  process.once('SIGTERM', requestStop);
  const intakeConfig = loadIntakeConfig();
  const settings = loadProductSettings({ requireAddress: false });
  const intakeListener: Listener = {
    what: 'the SIEM intake',
    host: intakeConfig.host,
    port: intakeConfig.port,
    fix: 'SOC_INTAKE_PORT to a free port',
  };
  // A busy port is named, with the process holding it, before anything is started.
  await ensurePortFree(intakeListener);
  // The SDK's own lines as JSON at warn (SOC_LOG_LEVEL to change); the demo's guidance stays plain text.
  installRuntime(settings, createWorkerLogger(loadLogLevel(process.env, 'warn')));
  const codecServer = settings.config.address ? undefined : await startDemoCodec(settings.config.devServerPort);
  const temporal = await embeddedTemporal(settings.config, log, codecServer?.url).catch(async (err: unknown) => {
    await codecServer?.close();
    throw err;
  });
  const product: Product = await startProduct({
    log,
    settings,
    temporal,
    selectPorts: ({ analysts }) => selectDemoPorts({ log, temporal: temporal.client, analysts }),
  });
  const { config } = product;
  // The worker shuts down gracefully on SIGINT/SIGTERM (also one that came during start-up); then everything this
  // process started is stopped. It lets go of its connection only once it has run: so it runs from here on.
  const running = product.worker.run();
  let intake: RunningIntake | undefined;
  try {
    if (stopRequested) product.worker.shutdown();
    else {
      const { config: intakeSettings, demoToken } = withDemoToken(intakeConfig, product.demo);
      intake = await startIntake({
        client: temporal.client,
        taskQueue: config.taskQueue,
        rules: product.rules,
        analysts: product.analysts,
        config: intakeSettings,
        logger: { level: 'warn' },
      }).catch((err: unknown) => {
        throw listenFailure(err, intakeListener);
      });
      printBanner(product, temporal, intake.url, sampleCurl(intake.url, intakeSettings, demoToken), codecServer?.url);
    }
  } catch (err) {
    if (product.worker.getState() === 'RUNNING') product.worker.shutdown();
    await running.catch(() => undefined);
    await product.close();
    await codecServer?.close();
    throw err;
  }
  try {
    await running;
  } finally {
    await intake?.close();
    await product.close();
    await codecServer?.close();
  }
  return 'stopped';
}

function printBanner(
  product: Product,
  temporal: TemporalHandles,
  intakeUrl: string,
  curl: string,
  codecUrl: string | undefined,
): void {
  const { config } = product;
  log('');
  log(`soc-triage is running (${product.description}).`);
  if (temporal.webUi) {
    log(`Temporal Web UI, triage cases only: ${triageCasesUrl(temporal.webUi, temporal.namespace)}`);
    log(`  ${caseStoryHint}`);
  }
  if (codecUrl) log(`Codec server (decrypts for the Web UI and \`temporal --codec-endpoint\`): ${codecUrl}`);
  log(
    `Task queue: ${config.taskQueue} · namespace: ${temporal.namespace} · analysts: ${product.analysts.join(', ') || 'none (set SOC_ANALYSTS)'}`,
  );
  if (product.prometheus) log(`Prometheus metrics: http://${product.prometheus}/metrics`);
  log(`SIEM intake: ${intakeUrl}/v1/alerts/{splunk|elastic|sentinel|ocsf|generic} · API: ${intakeUrl}/openapi.json`);
  log('Send a sample alert to the intake:');
  log(curl);
  if (product.demo) {
    log('Send a demo alert:    npm run soc -- demo-alert            (asks the user "was this you?")');
    log('                      npm run soc -- demo-alert --ransomware   (contained automatically)');
    log('See open cases:       npm run soc -- list          Metrics: npm run soc -- metrics');
  }
  log('Stop with Ctrl-C.');
}

main().then(
  (outcome) => outcome === 'stopped' && process.exit(0),
  (err) => {
    const known = err instanceof ConfigError || err instanceof RuleCatalogError || err instanceof StartupError;
    console.error(known ? err.message : err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
