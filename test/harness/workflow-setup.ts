import { join } from 'node:path';
import { ensureEphemeralCodecKeys } from '../../client/codec';
import { buildWorkflowBundle } from '../../scripts/build-bundle';
import { ensureStandInTls } from '../../standins/tls';
import { resolveTestServer, temporalDir } from '../../scripts/servers';

/**
 * What workflow tests need, once per run: the stand-ins' certificate (trusted by the test processes), the workflows
 * bundled once for every test file, and the time-skipping test server resolved. The integration layer's setup calls
 * this too; whichever runs first does the work.
 */
export default async function workflowSetup(): Promise<void> {
  // One random payload key for the run: test processes and the worker processes they start inherit SOC_CODEC_KEYS.
  ensureEphemeralCodecKeys();
  if (process.env.SOC_TEST_WORKFLOW_BUNDLE) return;
  // Test files run in worker processes started after this; they trust the stand-ins' HTTPS certificate.
  const tls = await ensureStandInTls(join(temporalDir, 'tls'));
  process.env.NODE_EXTRA_CA_CERTS = tls.certPath;
  process.env.SOC_STANDIN_TLS_CERT = tls.certPath;
  process.env.SOC_STANDIN_TLS_KEY = tls.keyPath;

  resolveTestServer();

  // The same function that makes the production bundle: the replays run against what a worker would load.
  const bundlePath = join(temporalDir, 'cache', 'workflow-bundle.js');
  await buildWorkflowBundle(bundlePath);
  process.env.SOC_TEST_WORKFLOW_BUNDLE = bundlePath;
}
