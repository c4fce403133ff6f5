import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureStandInTls } from '../../standins/tls';
import { resolveTestServer, temporalDir } from '../../scripts/servers';

/**
 * What workflow tests need, once per run: the stand-ins' certificate (trusted by the test processes), the workflows
 * bundled once for every test file, and the time-skipping test server resolved. The integration layer's setup calls
 * this too; whichever runs first does the work.
 */
export default async function workflowSetup(): Promise<void> {
  if (process.env.SOC_TEST_WORKFLOW_BUNDLE) return;
  // Test files run in worker processes started after this; they trust the stand-ins' HTTPS certificate.
  const tls = await ensureStandInTls(join(temporalDir, 'tls'));
  process.env.NODE_EXTRA_CA_CERTS = tls.certPath;
  process.env.SOC_STANDIN_TLS_CERT = tls.certPath;
  process.env.SOC_STANDIN_TLS_KEY = tls.keyPath;

  resolveTestServer();

  const bundlePath = join(temporalDir, 'cache', 'workflow-bundle.js');
  mkdirSync(join(temporalDir, 'cache'), { recursive: true });
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  writeFileSync(bundlePath, code);
  process.env.SOC_TEST_WORKFLOW_BUNDLE = bundlePath;
}
