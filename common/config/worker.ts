import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { VERSIONED_WORKFLOWS_MARKER } from '../versioning';
import { ConfigError, parseVar, wholeNumber, type Env } from './env';

/** How a worker process runs its workflows: cache size, task slots, and the prebuilt workflow bundle. */

export interface WorkerConfig {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number | undefined;
  maxConcurrentActivityTaskExecutions: number | undefined;
  /** Threads that run workflow code. */
  workflowThreads: number;
  /** A bundle made by `npm run build:bundle`; undefined: the workflows are bundled at start. */
  workflowBundlePath: string | undefined;
  /** Worker Deployment Versioning (README, rolling deploys); undefined: an unversioned worker, as before. */
  deployment: WorkerDeployment | undefined;
}

export interface WorkerDeployment {
  deploymentName: string;
  buildId: string;
}

/**
 * Workflows kept in the worker's cache. Chosen from `npm run bench:scale` (README): idle cases waiting for a user are
 * evicted beyond this and replay their short history when they wake, which keeps 10,000 waiting cases inside 512 MB.
 * The SDK's own default grows with the heap (about 2,300 here, ~1 GB of RSS).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

/**
 * Threads running workflow code, from the same benchmark: with the SDK's default of one, a case's workflow tasks queued
 * behind the other cases' on a busy worker, and each deadline started late by that queue (10,000 waiting: p99 1.5x the
 * floor with one thread, 1.3x with two, for 70 MB more RSS).
 */
export const DEFAULT_WORKFLOW_THREADS = 2;

const projectRoot = resolve(__dirname, '..', '..');
/** Where `npm run build:bundle` writes the workflow bundle; the worker loads it when it exists and is current. */
export const DEFAULT_WORKFLOW_BUNDLE = join(projectRoot, 'dist', 'workflow-bundle.js');
/** The same for a versioned worker: `workflows/versioned.ts`, whose workflows declare their versioning behaviour. */
export const DEFAULT_VERSIONED_WORKFLOW_BUNDLE = join(projectRoot, 'dist', 'workflow-bundle-versioned.js');

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

const deploymentName = z
  .string()
  .max(255, 'must be at most 255 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be letters, digits, "_" and "-" (no "."), like soc-triage');
const buildId = z
  .string()
  .max(255, 'must be at most 255 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be letters, digits, ".", "_", "+" and "-", like a git sha or 1.4.2');

/** Both variables or neither: a worker is versioned only when it is told its deployment and its build. */
function loadDeployment(env: Env): WorkerDeployment | undefined {
  const name = parseVar(env, 'SOC_WORKER_DEPLOYMENT_NAME', deploymentName);
  const build = parseVar(env, 'SOC_WORKER_BUILD_ID', buildId);
  if (name && !build) throw new ConfigError('SOC_WORKER_BUILD_ID', 'must be set with SOC_WORKER_DEPLOYMENT_NAME');
  if (build && !name) throw new ConfigError('SOC_WORKER_DEPLOYMENT_NAME', 'must be set with SOC_WORKER_BUILD_ID');
  return name && build ? { deploymentName: name, buildId: build } : undefined;
}

/** True when `path` is a bundle of `workflows/versioned.ts` (npm run build:bundle writes both kinds). */
export function isVersionedBundle(path: string): boolean {
  return readFileSync(path, 'utf8').includes(VERSIONED_WORKFLOWS_MARKER);
}

export function loadWorkerConfig(
  env: Env = process.env,
  defaultBundle = DEFAULT_WORKFLOW_BUNDLE,
  defaultVersionedBundle = DEFAULT_VERSIONED_WORKFLOW_BUNDLE,
): WorkerConfig {
  const deployment = loadDeployment(env);
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
  const workflowThreads = parseVar(env, 'SOC_WORKER_WORKFLOW_THREADS', count(1, 64), DEFAULT_WORKFLOW_THREADS)!;
  const configuredBundle = parseVar(env, 'SOC_WORKFLOW_BUNDLE', z.string().min(1));
  if (configuredBundle && !existsSync(configuredBundle)) {
    throw new ConfigError(
      'SOC_WORKFLOW_BUNDLE',
      `names ${configuredBundle}, which does not exist (npm run build:bundle)`,
    );
  }
  if (configuredBundle && isVersionedBundle(configuredBundle) !== Boolean(deployment)) {
    throw new ConfigError(
      'SOC_WORKFLOW_BUNDLE',
      deployment
        ? `names ${configuredBundle}, an unversioned bundle: a versioned worker needs dist/workflow-bundle-versioned.js (npm run build:bundle)`
        : `names ${configuredBundle}, a versioned bundle: it needs SOC_WORKER_DEPLOYMENT_NAME and SOC_WORKER_BUILD_ID, or use dist/workflow-bundle.js`,
    );
  }
  const workflowBundlePath =
    configuredBundle ?? currentDefaultBundle(deployment ? defaultVersionedBundle : defaultBundle);
  return {
    maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions,
    workflowThreads,
    workflowBundlePath,
    deployment,
  };
}
