/**
 * The production topology on one machine, from the project's own scripts: PostgreSQL, the real Temporal server on it
 * (SQL visibility, the product's search attributes), and the product's workers and intakes as separate processes.
 * Used by `npm run cluster`, the cluster test and `npm run bench:scale`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, temporalDir, waitForPort } from '../servers';
import { ensureClusterBinaries } from './binaries';
import { startPostgres, type RunningPostgres } from './postgres';
import { startProductProcess, type ProductProcess } from './processes';
import { setupSchema } from './schema';
import { startTemporalServer, type RunningTemporalServer } from './server';

export { ClusterUnavailableError, ensureClusterBinaries } from './binaries';
export { ensurePostgres } from './postgres';

export interface ClusterOptions {
  /** Data, configuration and logs; default .temporal/cluster (kept across runs). */
  dir?: string;
  namespace?: string;
  taskQueue?: string;
  workers?: number;
  intakes?: number;
  /** The worker's entry point; default the production worker, workers/main.ts (the benchmark runs its own). */
  workerScript?: string;
  /** Environment for every worker and intake: Microsoft tenant (or stand-in), analysts, tuning. */
  productEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Cluster {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  intakeUrls: string[];
  /** The bearer token every intake source accepts (SOC_INTAKE_TOKEN, generated unless given in productEnv). */
  intakeToken: string;
  postgresPort: number;
  server: RunningTemporalServer;
  workers: ProductProcess[];
  intakes: ProductProcess[];
  logDir: string;
  /** Stops intakes, then workers (they finish their tasks), then the server, then PostgreSQL. */
  stop(): Promise<void>;
}

/**
 * The product's worker (`workers/main.ts`) × count, each with its own Prometheus port (the default one would be taken
 * by the first). Each joins `into` as soon as it runs, so the caller can stop it even when another one fails.
 */
export async function startWorkerProcesses(options: {
  count: number;
  env: Record<string, string>;
  logDir: string;
  into: ProductProcess[];
  script?: string;
}): Promise<void> {
  await Promise.all(
    Array.from({ length: options.count }, async (_, i) =>
      startProductProcess({
        name: `worker-${i + 1}`,
        script: options.script ?? 'workers/main.ts',
        env: { ...options.env, SOC_METRICS_BIND: `127.0.0.1:${await freePort()}` },
        logDir: options.logDir,
        ready: /Worker polling task queue/,
      }).then((worker) => options.into.push(worker)),
    ),
  );
}

export const DEFAULT_CLUSTER_DIR = join(temporalDir, 'cluster');

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = options.dir ?? DEFAULT_CLUSTER_DIR;
  const namespace = options.namespace ?? 'default';
  const taskQueue = options.taskQueue ?? 'soc-triage';
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const binaries = ensureClusterBinaries(log);

  let postgres: RunningPostgres | undefined;
  let server: RunningTemporalServer | undefined;
  const workers: ProductProcess[] = [];
  const intakes: ProductProcess[] = [];
  const stop = async () => {
    await Promise.all(intakes.map((p) => p.stop()));
    await Promise.all(workers.map((p) => p.stop()));
    await server?.stop();
    postgres?.stop();
  };
  try {
    postgres = await startPostgres(join(dir, 'postgres'), log);
    setupSchema(binaries, postgres.port);
    server = await startTemporalServer({ binaries, dir, postgresPort: postgres.port, namespace, log });

    const intakeToken = options.productEnv?.SOC_INTAKE_TOKEN ?? randomBytes(18).toString('base64url');
    const common = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...options.productEnv,
    };
    await startWorkerProcesses({
      count: options.workers ?? 2,
      env: common,
      logDir,
      into: workers,
      ...(options.workerScript ? { script: options.workerScript } : {}),
    });
    const intakePorts = await Promise.all(Array.from({ length: options.intakes ?? 2 }, () => freePort()));
    await Promise.all(
      intakePorts.map((port, i) =>
        startProductProcess({
          name: `intake-${i + 1}`,
          script: 'client/intake/main.ts',
          env: {
            ...common,
            SOC_INTAKE_HOST: '127.0.0.1',
            SOC_INTAKE_PORT: String(port),
            SOC_INTAKE_TOKEN: intakeToken,
          },
          logDir,
          ready: /SIEM intake listening on/,
        }).then((intake) => intakes.push(intake)),
      ),
    );
    await Promise.all(intakePorts.map((port) => waitForPort(port, 10_000)));
    return {
      temporalAddress: server.address,
      namespace,
      taskQueue,
      intakeUrls: intakePorts.map((port) => `http://127.0.0.1:${port}`),
      intakeToken,
      postgresPort: postgres.port,
      server,
      workers,
      intakes,
      logDir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
