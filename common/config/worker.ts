import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, parseVar, wholeNumber, type Env } from './env';

/** How a worker process runs its workflows: cache size, task slots, and the prebuilt workflow bundle. */

export interface WorkerConfig {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number | undefined;
  maxConcurrentActivityTaskExecutions: number | undefined;
  /** A bundle made by `npm run build:bundle`; undefined: the workflows are bundled at start. */
  workflowBundlePath: string | undefined;
}

/**
 * Workflows kept in the worker's cache. Chosen from `npm run bench:scale` (README): idle cases waiting for a user are
 * evicted beyond this and replay their short history when they wake, which keeps 10,000 waiting cases inside 512 MB.
 * The SDK's own default grows with the heap (about 2,300 here, ~1 GB of RSS).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

const projectRoot = resolve(__dirname, '..', '..');
/** Where `npm run build:bundle` writes the workflow bundle; the worker loads it when it exists and is current. */
export const DEFAULT_WORKFLOW_BUNDLE = join(projectRoot, 'dist', 'workflow-bundle.js');

/** Newest modification time of the sources a bundle is made of (workflow code imports from common/ too). */
function newestWorkflowSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['workflows', 'common']) if (existsSync(join(projectRoot, dir))) walk(join(projectRoot, dir));
  return newest;
}

/** The default bundle is used only when no workflow source changed after it was built: never stale code by accident. */
function currentDefaultBundle(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  return statSync(path).mtimeMs >= newestWorkflowSource() ? path : undefined;
}

const count = wholeNumber;

export function loadWorkerConfig(env: Env = process.env, defaultBundle = DEFAULT_WORKFLOW_BUNDLE): WorkerConfig {
  const maxCachedWorkflows = parseVar(
    env,
    'SOC_WORKER_MAX_CACHED_WORKFLOWS',
    count(0, 100_000),
    DEFAULT_MAX_CACHED_WORKFLOWS,
  )!;
  const maxConcurrentWorkflowTaskExecutions = parseVar(
    env,
    'SOC_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
    count(2, 1_000),
  );
  const maxConcurrentActivityTaskExecutions = parseVar(env, 'SOC_WORKER_MAX_CONCURRENT_ACTIVITIES', count(1, 10_000));
  const configuredBundle = parseVar(env, 'SOC_WORKFLOW_BUNDLE', z.string().min(1));
  if (configuredBundle && !existsSync(configuredBundle)) {
    throw new ConfigError(
      'SOC_WORKFLOW_BUNDLE',
      `names ${configuredBundle}, which does not exist (npm run build:bundle)`,
    );
  }
  const workflowBundlePath = configuredBundle ?? currentDefaultBundle(defaultBundle);
  return {
    maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions,
    workflowBundlePath,
  };
}
