import { spawnSync } from 'node:child_process';

/** Finds an executable on PATH. */
export function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * `docker-compose` (Debian's package) validates docker-compose.yml without a Docker engine. `npm test`'s setup step
 * installs it (scripts/system-packages.ts); elsewhere the message says how.
 */
export function ensureDockerCompose(): string {
  const found = which('docker-compose');
  if (found) return found;
  throw new Error(
    'docker-compose is not installed: install it (Debian: apt-get install docker-compose) to validate docker-compose.yml',
  );
}
