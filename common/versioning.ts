/**
 * Worker Deployment Versioning (opt-in: SOC_WORKER_DEPLOYMENT_NAME and SOC_WORKER_BUILD_ID). A versioned worker runs
 * `workflows/versioned.ts`, which declares each workflow's versioning behaviour; an unversioned worker runs
 * `workflows/index.ts`, which declares none — the server rejects every workflow task of a workflow that declares a
 * behaviour on a worker without versioning (the SDK sends the declaration as is).
 */

/** Present in the versioned workflow bundle only: how a worker tells which kind of bundle it was given. */
export const VERSIONED_WORKFLOWS_MARKER = 'soc-triage/versioned-workflows/v1';
