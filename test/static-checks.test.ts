import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../scripts/servers';

/** Jest compiles without type checks for speed; the type checker, the linter and the formatter run here, in `npm test`. */
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

test('the code is formatted with prettier', () => {
  const result = run([
    join(projectRoot, 'node_modules', 'prettier', 'bin', 'prettier.cjs'),
    '--check',
    '.',
    '--log-level',
    'warn',
  ]);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});
