import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from '../servers';
import { which } from '../tools';
import { ClusterUnavailableError } from './binaries';

/** PostgreSQL from Debian's package, run from a data directory of ours on a free port of 127.0.0.1. */

export const POSTGRES_USER = 'temporal';
/** Local connections use `trust` authentication; the SQL tool and the server still want a password. */
export const POSTGRES_PASSWORD = 'temporal';

type Log = (line: string) => void;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The directory holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin. */
function findPostgresBin(): string | undefined {
  const initdb = which('initdb');
  if (initdb && which('pg_ctl')) return join(initdb, '..');
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian)
    .filter((v) => executable(join(debian, v, 'bin', 'initdb')) && executable(join(debian, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(debian, versions[0], 'bin') : undefined;
}

/** Finds PostgreSQL, installing Debian's package with apt-get when we are root and it is missing. */
export function ensurePostgres(log: Log): string {
  const found = findPostgresBin();
  if (found) return found;
  if (process.getuid?.() !== 0 || !which('apt-get')) {
    throw new ClusterUnavailableError(
      'PostgreSQL is missing (initdb, pg_ctl): install it (Debian: apt-get install postgresql) to run the Temporal cluster',
    );
  }
  log('Installing PostgreSQL (Debian package)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt may hold the lock (an engineer installing something else): wait for it rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  spawnSync('apt-get', [...lock, 'update', '-qq'], { stdio: 'ignore', env });
  const install = spawnSync('apt-get', [...lock, 'install', '-y', '-qq', 'postgresql'], { stdio: 'inherit', env });
  const installed = findPostgresBin();
  if (!installed) {
    throw new ClusterUnavailableError(
      `PostgreSQL could not be installed with apt-get (exit ${install.status}): install it (apt-get install postgresql) to run the Temporal cluster`,
    );
  }
  return installed;
}

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user the package creates. */
function runAsOwner(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return spawnSync(file, argv, { encoding: 'utf8', ...options });
}

function ownedByPostgres(dir: string): void {
  if (process.getuid?.() !== 0) return;
  // The postgres user must be able to reach its directory: ours (a mkdtemp one is 0700) must be traversable.
  const parent = dirname(dir);
  chmodSync(parent, statSync(parent).mode | 0o111);
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0)
    throw new ClusterUnavailableError('running as root, but there is no postgres user to run PostgreSQL as');
  chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
}

export interface RunningPostgres {
  port: number;
  stop(): void;
}

/** Initializes `dataDir` on first use, then starts PostgreSQL on a free port and waits until it accepts connections. */
export async function startPostgres(dataDir: string, log: Log): Promise<RunningPostgres> {
  const bin = ensurePostgres(log);
  const pgCtl = join(bin, 'pg_ctl');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  ownedByPostgres(dataDir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const init = runAsOwner(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', POSTGRES_USER, '-E', 'UTF8']);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  // A PostgreSQL left running by an earlier run that was killed: stop it, then start on a port free now.
  if (runAsOwner(pgCtl, ['-D', dataDir, 'status']).status === 0)
    runAsOwner(pgCtl, ['-D', dataDir, '-m', 'fast', 'stop']);
  const port = await freePort();
  const started = runAsOwner(pgCtl, [
    '-D',
    dataDir,
    '-w',
    '-t',
    '60',
    '-l',
    join(dataDir, 'postgres.log'),
    '-o',
    `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
    'start',
  ]);
  if (started.status !== 0) {
    throw new Error(
      `PostgreSQL did not start: ${started.stderr || started.stdout} (log: ${join(dataDir, 'postgres.log')})`,
    );
  }
  return {
    port,
    stop() {
      runAsOwner(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
  };
}
