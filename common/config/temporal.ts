import { z } from 'zod';
import { ConfigError, hostPort, identifier, parseVar, readPem, wholeNumber, type Env } from './env';

/** Where Temporal is and how to reach it. */

export interface TemporalConfig {
  /** host:port of an existing Temporal frontend; undefined means "run the embedded dev server". */
  address: string | undefined;
  namespace: string;
  taskQueue: string;
  tls: { clientCert: Buffer; clientKey: Buffer; serverRootCa?: Buffer; serverName?: string } | undefined;
  apiKey: string | undefined;
  /** Port of the embedded dev server's frontend (Web UI on port + 1000). */
  devServerPort: number;
}

export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  const address = parseVar(
    env,
    'TEMPORAL_ADDRESS',
    hostPort('host:port, for example localhost:7233 or my-ns.a1b2c.tmprl.cloud:7233'),
  );
  const namespace = parseVar(env, 'TEMPORAL_NAMESPACE', identifier, 'default')!;
  const taskQueue = parseVar(env, 'TEMPORAL_TASK_QUEUE', identifier, 'soc-triage')!;
  const clientCert = readPem(env, 'TEMPORAL_TLS_CERT');
  const clientKey = readPem(env, 'TEMPORAL_TLS_KEY');
  if (Boolean(clientCert) !== Boolean(clientKey)) {
    throw new ConfigError(
      clientCert ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT',
      'must be set together with the other: mTLS needs both the client certificate and its key',
    );
  }
  const serverRootCa = readPem(env, 'TEMPORAL_TLS_CA');
  const serverName = parseVar(
    env,
    'TEMPORAL_TLS_SERVER_NAME',
    z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name such as my-ns.a1b2c.tmprl.cloud'),
  );
  const apiKey = parseVar(
    env,
    'TEMPORAL_API_KEY',
    z.string().min(10, 'looks too short to be a Temporal Cloud API key'),
  );
  const devServerPort = parseVar(env, 'TEMPORAL_DEV_SERVER_PORT', wholeNumber(1024, 64535, 'a port'), 7233)!;
  if ((clientCert || apiKey) && !address) {
    throw new ConfigError('TEMPORAL_ADDRESS', 'must be set when TLS or an API key is configured');
  }
  return {
    address,
    namespace,
    taskQueue,
    tls: clientCert && clientKey ? { clientCert, clientKey, serverRootCa, serverName } : undefined,
    apiKey,
    devServerPort,
  };
}

/** Options for `Connection.connect` / `NativeConnection.connect` derived from the configuration. */
export function connectionOptions(config: TemporalConfig, address: string) {
  const tls = config.tls
    ? {
        clientCertPair: { crt: config.tls.clientCert, key: config.tls.clientKey },
        serverRootCACertificate: config.tls.serverRootCa,
        serverNameOverride: config.tls.serverName,
      }
    : config.apiKey
      ? true
      : undefined;
  return {
    address,
    tls,
    apiKey: config.apiKey,
    metadata: config.apiKey ? { 'temporal-namespace': config.namespace } : undefined,
  };
}
