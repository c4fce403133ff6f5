/**
 * `npm run build:bundle`: bundles the workflow code once, at build time (the Dockerfile runs it), into
 * dist/workflow-bundle.js. A worker loads that file when it exists (or the one SOC_WORKFLOW_BUNDLE names) instead of
 * running webpack at every start, so it starts in seconds and runs exactly the code that was bundled and tested; the
 * test harness makes its bundle (replay tests included) with this same function. The bundle must be made by the same
 * @temporalio/worker version that runs it (one package-lock.json guarantees it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { failureConverterPath } from '../client/codec';
import { DEFAULT_VERSIONED_WORKFLOW_BUNDLE, DEFAULT_WORKFLOW_BUNDLE } from '../common/config';
import { projectRoot } from './servers';

/** `versioned`: the bundle of `workflows/versioned.ts`, for a worker with Worker Deployment Versioning. */
export async function buildWorkflowBundle(
  out: string = DEFAULT_WORKFLOW_BUNDLE,
  options: { versioned?: boolean } = {},
): Promise<{ bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(options.versioned ? '../workflows/versioned' : '../workflows'),
    // Failures raised by workflow code are encoded (and so encrypted) like the workers' and clients'.
    failureConverterPath,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  return { bytes: code.length };
}

if (require.main === module) {
  const out = process.argv[2] ?? DEFAULT_WORKFLOW_BUNDLE;
  const build = async (path: string, versioned: boolean) => {
    const started = Date.now();
    const { bytes } = await buildWorkflowBundle(path, { versioned });
    console.log(
      `Wrote ${relative(projectRoot, path)} (${Math.round(bytes / 1024)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  };
  // Both kinds by default, so an image serves versioned and unversioned workers alike.
  (async () => {
    await build(out, false);
    if (!process.argv[2]) await build(DEFAULT_VERSIONED_WORKFLOW_BUNDLE, true);
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
