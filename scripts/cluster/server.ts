import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { parse, stringify } from 'yaml';
import { registerSearchAttributes } from '../../workers/search-attributes';
import { searchAttributeKeys } from '../../common/search-attributes';
import { freePort, waitForPort } from '../servers';
import type { ClusterBinaries } from './binaries';
import { productDynamicConfig } from './dynamic-config';
import { POSTGRES_PASSWORD } from './postgres';
import { stopProcessGroup } from './processes';

/**
 * The real Temporal server (frontend, history, matching and worker services in one process) on PostgreSQL with SQL
 * visibility. Its configuration is the module's own `development-postgres12.yaml` with our database and free ports.
 */

/**
 * A free port below 32768: the cluster_membership table stores ports as smallint, and the kernel's ephemeral ports
 * (what `freePort` gets) start at 32768.
 */
async function freeMembershipPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((done) => {
      const probe = createServer();
      probe.once('error', () => done(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
    });
    if (free) return port;
  }
}

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RunningTemporalServer {
  address: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** On top of the product's dynamic config (scripts/cluster/temporal-dynamic-config.yaml), locally: a cluster that sees new search attributes at once. */
const localDynamicConfig = {
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
};

async function writeConfig(binaries: ClusterBinaries, dir: string, postgresPort: number): Promise<string> {
  const moduleConfig = join(binaries.moduleDir, 'config');
  const config = parse(readFileSync(join(moduleConfig, 'development-postgres12.yaml'), 'utf8')) as Yaml;
  for (const store of Object.values(config.persistence.datastores as Record<string, Yaml>)) {
    store.sql.connectAddr = `127.0.0.1:${postgresPort}`;
    store.sql.password = POSTGRES_PASSWORD;
  }
  // No metrics or pprof listeners: nothing reads them, and their fixed ports would clash with a second cluster.
  delete config.global.metrics;
  delete config.global.pprof;
  for (const service of Object.values(config.services as Record<string, Yaml>)) {
    service.rpc.grpcPort = await freePort();
    service.rpc.membershipPort = await freeMembershipPort();
    if (service.rpc.httpPort) service.rpc.httpPort = await freePort();
  }
  const frontend = `127.0.0.1:${config.services.frontend.rpc.grpcPort}`;
  config.clusterMetadata.clusterInformation.active.rpcAddress = frontend;
  delete config.archival;
  delete config.namespaceDefaults;

  const dynamic: Yaml = {
    ...(parse(readFileSync(join(moduleConfig, 'dynamicconfig', 'development-sql.yaml'), 'utf8')) as Yaml),
    ...productDynamicConfig(),
    ...localDynamicConfig,
  };
  // Nexus callbacks point at the frontend's HTTP port, which is ours now.
  dynamic['component.nexusoperations.callback.endpoint.template'] = [
    { value: `http://127.0.0.1:${config.services.frontend.rpc.httpPort}/namespaces/{{.NamespaceName}}/nexus/callback` },
  ];
  const configDir = join(dir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'dynamicconfig.yaml'), stringify(dynamic));
  config.dynamicConfigClient = { filepath: join(configDir, 'dynamicconfig.yaml'), pollInterval: '10s' };
  writeFileSync(join(configDir, 'development.yaml'), stringify(config));
  return frontend;
}

async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T>,
  server: ChildProcess,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (server.exitCode !== null)
        throw new Error(`the Temporal server exited (code ${server.exitCode}) before ${what}`);
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Starts the server, then creates the namespace (the real server creates none) and registers the product's search
 * attributes in it, waiting until the frontend serves both.
 */
export async function startTemporalServer(options: {
  binaries: ClusterBinaries;
  dir: string;
  postgresPort: number;
  namespace: string;
  log: (line: string) => void;
}): Promise<RunningTemporalServer> {
  const address = await writeConfig(options.binaries, options.dir, options.postgresPort);
  const logFile = join(options.dir, 'temporal-server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    options.binaries.server,
    ['--root', options.dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
    { stdio: ['ignore', out, out], detached: true },
  );
  const stop = () => stopProcessGroup(child, 'Temporal server');
  try {
    await waitForPort(Number(address.split(':')[1]), 60_000, child);
    // Connecting asks for the server's capabilities: it succeeds once the frontend serves.
    const connection = await waitUntil('the frontend to answer', 60_000, () => Connection.connect({ address }), child);
    try {
      await waitUntil(
        `namespace ${options.namespace} to be registered`,
        60_000,
        async () => {
          try {
            await connection.workflowService.registerNamespace({
              namespace: options.namespace,
              workflowExecutionRetentionPeriod: msToTs('3 days'),
            });
          } catch (err) {
            if (!/already exists|already registered/i.test(String(err))) throw err;
          }
        },
        child,
      );
      await waitUntil(
        `namespace ${options.namespace} to serve`,
        60_000,
        () => connection.workflowService.countWorkflowExecutions({ namespace: options.namespace, query: '' }),
        child,
      );
      const added = await waitUntil(
        'search attributes to be registered',
        60_000,
        () => registerSearchAttributes(connection, options.namespace),
        child,
      );
      await waitUntil(
        'search attributes to be visible',
        30_000,
        async () => {
          const listed = await connection.operatorService.listSearchAttributes({ namespace: options.namespace });
          const missing = searchAttributeKeys.filter((k) => !listed.customAttributes?.[k.name]);
          if (missing.length) throw new Error(`missing ${missing.map((k) => k.name).join(', ')}`);
        },
        child,
      );
      if (added.length) options.log(`Registered search attributes: ${added.join(', ')}`);
    } finally {
      await connection.close();
    }
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message} (server log: ${logFile})`);
  }
  return { address, pid: child.pid!, logFile, stop };
}
