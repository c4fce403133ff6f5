import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../scripts/servers';

/** Jest compiles without type checks for speed; the type checker and the linter run here, as part of `npm test`. */
function run(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: projectRoot, encoding: 'utf8', timeout: 300_000 });
}

test('the code type-checks (tsc --strict)', () => {
  const result = run([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});

test('the code passes the linter, including the workflow sandbox rules', () => {
  const result = run([join(projectRoot, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.', '--max-warnings', '0']);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});
