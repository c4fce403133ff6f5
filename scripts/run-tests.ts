/**
 * `npm test`: the static checks (type check, lint with the folder boundaries, format), then every Jest layer (unit,
 * workflow, integration, e2e), and one closing line, `N passed, N failed`, computed from the checks' exit codes and
 * Jest's own JSON result. Exits non-zero on any failure, including a test file that could not run at all.
 * Arguments go to Jest (`npm test -- test/unit`); with any, the static checks are skipped.
 * A whole run on another Node.js than 24 (the product's runtime) also runs the unit and workflow layers on Node.js 24
 * from the npm registry (scripts/node24.ts) and counts them in the closing line; `SOC_TEST_NODE24=off` skips that leg.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureStandInTls } from '../standins/tls';
import { projectRoot, temporalDir } from './servers';
import { ensureNode24 } from './node24';
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

interface JestTotals {
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
}

function runJest(args: string[], caCert: string, node = process.execPath): JestTotals {
  const resultFile = join(temporalDir, 'jest-results.json');
  rmSync(resultFile, { force: true });
  // Every process the suite starts runs on `node` too: it goes first on PATH.
  const path = node === process.execPath ? process.env.PATH : `${dirname(node)}:${process.env.PATH ?? ''}`;
  const jest = spawnSync(node, [require.resolve('jest/bin/jest'), '--json', `--outputFile=${resultFile}`, ...args], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...process.env, PATH: path, NODE_EXTRA_CA_CERTS: caCert },
  });
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
  const node24 = jestArgs.length ? undefined : runOnNode24(tls.certPath);
  const legs = [jest, ...(node24 ? [node24] : [])];
  const passed = checks.passed + legs.reduce((sum, leg) => sum + leg.passed, 0);
  const failed = checks.failed + legs.reduce((sum, leg) => sum + leg.failed, 0);
  const skipped = legs.reduce((sum, leg) => sum + leg.skipped, 0);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 || legs.some((leg) => !leg.ok) ? 1 : 0);
}

/** The unit and workflow layers again on Node.js 24 LTS, unless this already is Node 24 or the leg is turned off. */
function runOnNode24(caCert: string): JestTotals | undefined {
  if (process.versions.node.split('.')[0] === '24' || process.env.SOC_TEST_NODE24 === 'off') return undefined;
  let node: string;
  try {
    node = ensureNode24((line) => console.log(line));
  } catch (err) {
    console.log(`FAIL Node.js 24 leg: ${(err as Error).message.split('\n')[0]} (SOC_TEST_NODE24=off skips it)`);
    return { passed: 0, failed: 1, skipped: 0, ok: false };
  }
  console.log(`Node.js 24 leg: the unit and workflow layers on ${node}`);
  const leg = runJest(['--selectProjects', 'unit', 'workflow'], caCert, node);
  console.log(`${leg.ok ? 'PASS' : 'FAIL'} Node.js 24 leg: ${leg.passed} passed, ${leg.failed} failed`);
  return leg;
}

void main();
