import { ClusterUnavailableError, ensureClusterBinaries, ensurePostgres } from '../../scripts/cluster';

/** test/e2e/cluster.test.ts needs the Temporal server built from Go and PostgreSQL; global setup supplies them. */

const CLUSTER_TEST = 'test/e2e/cluster.test.ts';

/**
 * Builds the server and installs PostgreSQL (minutes, once per machine) only when the cluster test is among the files
 * this run selects. Where they cannot be supplied the reason goes to the test, which is skipped with it.
 */
export function prepareClusterForTests(testPathPatterns: string[]): void {
  const willRun = testPathPatterns.length === 0 || testPathPatterns.some((p) => new RegExp(p, 'i').test(CLUSTER_TEST));
  if (!willRun) return;
  try {
    ensureClusterBinaries();
    ensurePostgres((line) => process.stderr.write(`${line}\n`));
    process.env.SOC_CLUSTER_READY = '1';
  } catch (err) {
    if (!(err instanceof ClusterUnavailableError)) throw err;
    process.env.SOC_CLUSTER_UNAVAILABLE = err.message;
  }
}

/** Why the cluster test cannot run here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  if (process.env.SOC_CLUSTER_READY === '1') return undefined;
  return (
    process.env.SOC_CLUSTER_UNAVAILABLE ?? 'global setup did not prepare the cluster: run the tests through npm test'
  );
}
