import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { which } from './tools';

/**
 * The Debian packages the test suite needs, installed by `npm test`'s setup step before any test runs (never in the
 * middle of a test). apt holds a lock while another apt runs on the machine: the install waits for it.
 */
export const systemPackages = [
  { name: 'chromium', provides: '/usr/bin/chromium', for: 'the browser checks (Playwright drives it)' },
  { name: 'docker-compose', provides: 'docker-compose', for: 'validating docker-compose.yml' },
] as const;

const present = (provides: string) => (provides.startsWith('/') ? existsSync(provides) : which(provides) !== undefined);

/** Installs what is missing where we are root with apt; elsewhere says what to install. Never throws. */
export function ensureSystemPackages(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string[] {
  const missing = systemPackages.filter((p) => !present(p.provides));
  if (missing.length === 0) return [];
  const names = missing.map((p) => p.name);
  if (process.getuid?.() !== 0 || !which('apt-get')) {
    log(`Missing system packages (${names.join(', ')}): install them with apt-get install -y ${names.join(' ')}`);
    return names;
  }
  log(`Installing ${names.join(', ')} (Debian packages) for ${missing.map((p) => p.for).join('; ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Wait up to 10 minutes for another apt to release its lock rather than failing at once.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  spawnSync('apt-get', [...lock, 'update', '-qq'], { stdio: 'ignore', env });
  const install = spawnSync('apt-get', [...lock, 'install', '-y', '-qq', ...names], { stdio: 'ignore', env });
  const still = missing.filter((p) => !present(p.provides)).map((p) => p.name);
  if (still.length) log(`apt-get install ${still.join(' ')} failed (exit ${install.status ?? install.signal})`);
  return still;
}

if (require.main === module) process.exit(ensureSystemPackages().length ? 1 : 0);
