import { spawnSync } from 'node:child_process';

/** Finds an executable on PATH. */
export function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * `docker-compose` (Debian's package) validates docker-compose.yml without a Docker engine. On a machine where we are
 * root with apt (CI, the project's build machines) it is installed on first use; elsewhere the message says how.
 */
export function ensureDockerCompose(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string {
  const found = which('docker-compose');
  if (found) return found;
  if (process.getuid?.() === 0 && which('apt-get')) {
    log('Installing docker-compose (Debian package) to validate docker-compose.yml…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'docker-compose'], { stdio: 'ignore', env });
    const installed = which('docker-compose');
    if (installed) return installed;
  }
  throw new Error(
    'docker-compose is not installed: install it (Debian: apt-get install docker-compose) to validate docker-compose.yml',
  );
}
