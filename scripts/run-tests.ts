/**
 * `npm test`: the static checks (type check, lint with the folder boundaries, format), then every Jest layer (unit,
 * workflow, integration, e2e), and one closing line, `N passed, N failed`, computed from the checks' exit codes and
 * Jest's own JSON result. Exits non-zero on any failure, including a test file that could not run at all.
 * Arguments go to Jest (`npm test -- test/unit`); with any, the static checks are skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStandInTls } from '../standins/tls';
import { projectRoot, temporalDir } from './servers';
import { ensureSystemPackages } from './system-packages';

interface JestResult {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
  success: boolean;
}

const staticChecks: { name: string; args: string[] }[] = [
  {
    name: 'type check (tsc --strict)',
    args: [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'],
  },
  {
    name: 'lint (eslint, with the folder boundaries and the workflow sandbox rules)',
    args: [join(projectRoot, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.', '--max-warnings', '0'],
  },
  {
    name: 'format (prettier --check)',
    args: [join(projectRoot, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '.', '--log-level', 'warn'],
  },
];

function runStaticChecks(): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const check of staticChecks) {
    const started = Date.now();
    const result = spawnSync(process.execPath, check.args, { cwd: projectRoot, encoding: 'utf8' });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    const ok = result.status === 0 && output === '';
    console.log(`${ok ? 'PASS' : 'FAIL'} ${check.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (!ok) console.log(output || `exit ${result.status ?? result.signal}`);
    if (ok) passed++;
    else failed++;
  }
  return { passed, failed };
}

function runJest(args: string[], caCert: string): { passed: number; failed: number; skipped: number; ok: boolean } {
  const resultFile = join(temporalDir, 'jest-results.json');
  rmSync(resultFile, { force: true });
  const jest = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--json', `--outputFile=${resultFile}`, ...args],
    { cwd: projectRoot, stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: caCert } },
  );
  if (!existsSync(resultFile)) {
    console.error(`Jest produced no result (exit ${jest.status ?? jest.signal}); see the output above.`);
    return { passed: 0, failed: 1, skipped: 0, ok: false };
  }
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as JestResult;
  // A test file that fails to load reports no failed test; count it as a failure so it cannot pass unnoticed.
  const failed = result.numFailedTests + result.numRuntimeErrorTestSuites;
  return {
    passed: result.numPassedTests,
    failed,
    skipped: result.numPendingTests,
    ok: failed === 0 && jest.status === 0 && result.success,
  };
}

async function main(): Promise<void> {
  mkdirSync(temporalDir, { recursive: true });
  const jestArgs = process.argv.slice(2);
  // Setup before any test runs: a test never waits on apt, nor fails on its lock.
  ensureSystemPackages();
  const checks = jestArgs.length ? { passed: 0, failed: 0 } : runStaticChecks();
  // Node reads NODE_EXTRA_CA_CERTS only when a process starts: trust the stand-ins' certificate from Jest's first process.
  const tls = await ensureStandInTls(join(temporalDir, 'tls'));
  const jest = runJest(jestArgs, tls.certPath);
  const passed = checks.passed + jest.passed;
  const failed = checks.failed + jest.failed;
  console.log(`${passed} passed, ${failed} failed${jest.skipped ? `, ${jest.skipped} skipped` : ''}`);
  process.exit(failed > 0 || !jest.ok ? 1 : 0);
}

void main();
