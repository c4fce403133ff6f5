import { Client, Connection } from '@temporalio/client';
import { connectionOptions, loadTemporalConfig } from '../common/config/temporal';
import { loadTriageConfig } from '../common/config/triage';
import { DEMO_ANALYST } from '../common/demo';
import { TemporalUnreachableError } from './cli-errors';
import { productDataConverter } from './codec';

/** A person is waiting: an unreachable server is reported after this long (the SDK's default is 10 s). */
const CONNECT_TIMEOUT_MS = 5_000;

export interface CliTemporal {
  client: Client;
  taskQueue: string;
  analysts: string[];
  rulesFile: string;
  close(): Promise<void>;
}

/** Connects to TEMPORAL_ADDRESS, or to the embedded dev server that `npm start` runs on localhost. */
export async function connect(): Promise<CliTemporal> {
  const config = loadTemporalConfig();
  const triage = loadTriageConfig();
  const address = config.address ?? `localhost:${config.devServerPort}`;
  // Before connecting: without keys (or the demo's key file) nothing the CLI reads or sends would make sense.
  const dataConverter = productDataConverter(process.env, { demoKeyFile: !config.address });
  const connection = await Connection.connect({
    ...connectionOptions(config, address),
    connectTimeout: CONNECT_TIMEOUT_MS,
  }).catch((err: Error) => {
    throw new TemporalUnreachableError(
      `cannot reach Temporal at ${address} (${err.message}); is \`npm start\` running, or TEMPORAL_ADDRESS set?`,
    );
  });
  return {
    client: new Client({ connection, namespace: config.namespace, dataConverter }),
    taskQueue: config.taskQueue,
    analysts: triage.analysts.length ? triage.analysts : [DEMO_ANALYST],
    rulesFile: triage.rulesFile,
    close: () => connection.close(),
  };
}
