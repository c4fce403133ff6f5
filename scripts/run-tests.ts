/**
 * `npm test`: runs the whole Jest suite and ends with one line, `N passed, N failed`, computed from Jest's own JSON
 * result. Exits non-zero on any failure, including a test file that could not run at all.
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
  numTotalTests: number;
  success: boolean;
}

mkdirSync(temporalDir, { recursive: true });
const resultFile = join(temporalDir, 'jest-results.json');
rmSync(resultFile, { force: true });

async function main(): Promise<void> {
  // Setup before any test runs: a test never waits on apt, nor fails on its lock.
  ensureSystemPackages();
  // Node reads NODE_EXTRA_CA_CERTS only when a process starts: trust the stand-ins' certificate from Jest's first process.
  const tls = await ensureStandInTls(join(temporalDir, 'tls'));
  const jest = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--json', `--outputFile=${resultFile}`, ...process.argv.slice(2)],
    { cwd: projectRoot, stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.certPath } },
  );
  report(jest.status, jest.signal);
}

function report(status: number | null, signal: NodeJS.Signals | null): void {
  if (!existsSync(resultFile)) {
    console.log('0 passed, 1 failed');
    console.error(`Jest produced no result (exit ${status ?? signal}); see the output above.`);
    process.exit(1);
  }
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as JestResult;
  // A test file that fails to load reports no failed test; count it as a failure so it cannot pass unnoticed.
  const failed = result.numFailedTests + result.numRuntimeErrorTestSuites;
  const skipped = result.numPendingTests ? `, ${result.numPendingTests} skipped` : '';
  console.log(`${result.numPassedTests} passed, ${failed} failed${skipped}`);
  process.exit(failed > 0 || status !== 0 || !result.success ? 1 : 0);
}

void main();
