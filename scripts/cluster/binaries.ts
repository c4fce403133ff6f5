import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable, temporalDir } from '../servers';
import { which } from '../tools';

/** The Temporal server and its SQL schema tool, built from the same Go module line as the dev server (CLI 1.5.1). */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

/** Something the cluster needs is missing and cannot be supplied here; the message says what and how to fix it. */
export class ClusterUnavailableError extends Error {
  override name = 'ClusterUnavailableError';
}

export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  /** The module's source in Go's module cache: its `config/` and `schema/` are used as shipped. */
  moduleDir: string;
}

const binDir = join(temporalDir, 'bin');

function moduleDirFor(go: string): string {
  const cache = spawnSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  return join(cache, `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`);
}

/**
 * Builds `server` and `sql` (temporal-sql-tool) into .temporal/bin with `go install`, unless both are there already.
 * The first build takes about 3 minutes on 2 cores with Go's caches warm from the CLI build.
 */
export function ensureClusterBinaries(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): ClusterBinaries {
  const go = which('go');
  if (!go) {
    throw new ClusterUnavailableError(
      `Go is missing: the Temporal server is built with go install ${TEMPORAL_SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION} (install Go 1.23+)`,
    );
  }
  const server = join(binDir, 'server');
  const sqlTool = join(binDir, 'sql');
  const moduleDir = moduleDirFor(go);
  if (isExecutable(server) && isExecutable(sqlTool) && existsSync(moduleDir)) return { server, sqlTool, moduleDir };

  log(
    `Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go install into .temporal/bin (about 3 minutes the first time)…`,
  );
  mkdirSync(binDir, { recursive: true });
  const started = Date.now();
  const build = spawnSync(
    go,
    [
      'install',
      `${TEMPORAL_SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
      `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
    ],
    {
      env: { ...process.env, GOBIN: binDir, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (build.status !== 0 || !isExecutable(server) || !isExecutable(sqlTool) || !existsSync(moduleDir)) {
    throw new ClusterUnavailableError(
      `go install of the Temporal server ${TEMPORAL_SERVER_VERSION} failed (exit ${build.status}); see the output above`,
    );
  }
  log(`Built the Temporal server in ${Math.round((Date.now() - started) / 1000)} s.`);
  return { server, sqlTool, moduleDir };
}
