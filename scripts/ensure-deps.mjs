// Runs before `npm start` and `npm test` with plain Node (no dependencies needed): installs node_modules on a fresh
// clone, or again when package-lock.json changed since the last install.
import { execSync } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000;
// A linked node_modules (a git worktree sharing another checkout's install) belongs to that checkout: `npm ci` here
// would empty it for everyone using it.
const linked = existsSync(join(root, 'node_modules')) && lstatSync(join(root, 'node_modules')).isSymbolicLink();
if (stale && linked) {
  console.error('node_modules is a link to another checkout: not reinstalling here (run npm ci where it points).');
} else if (stale) {
  console.error('Installing dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
