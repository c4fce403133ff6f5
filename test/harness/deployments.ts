import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { VersioningBehavior, RoutingConfigUpdateState, VersionDrainageStatus } = temporal.api.enums.v1;

export interface RunsOn {
  behavior: 'PINNED' | 'AUTO_UPGRADE' | 'UNSPECIFIED';
  buildId: string | undefined;
}

/** The versioning behaviour a workflow declared and the build it is on, as the server records them. */
export async function runsOn(handle: WorkflowHandle): Promise<RunsOn> {
  const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
  const behavior =
    info?.behavior === VersioningBehavior.VERSIONING_BEHAVIOR_PINNED
      ? 'PINNED'
      : info?.behavior === VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE
        ? 'AUTO_UPGRADE'
        : 'UNSPECIFIED';
  return { behavior, buildId: info?.deploymentVersion?.buildId ?? undefined };
}

/** The builds that completed each of a workflow's tasks, in order (from its history). */
export async function buildsThatRan(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const completed = e.workflowTaskCompletedEventAttributes;
    return completed ? [completed.deploymentVersion?.buildId ?? '(unversioned)'] : [];
  });
}

/** Retries `attempt` until it returns a value (errors count as not yet). */
export async function until<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * What `temporal worker deployment set-current-version` does, through the API: retried until the server knows the
 * version (a worker registers it with its first poll), then waits until every task queue has the new routing.
 */
export async function setCurrentVersion(client: Client, deploymentName: string, buildId: string): Promise<void> {
  const { namespace } = client.options;
  await until(`version ${buildId} to be registered and made current`, async () => {
    await client.workflowService.setWorkerDeploymentCurrentVersion({
      namespace,
      deploymentName,
      buildId,
      identity: 'worker-versioning test',
    });
    return true;
  });
  await until(`the routing to ${buildId} to reach every task queue`, async () => {
    const { workerDeploymentInfo } = await client.workflowService.describeWorkerDeployment({
      namespace,
      deploymentName,
    });
    const routing = workerDeploymentInfo?.routingConfig;
    const done =
      routing?.currentDeploymentVersion?.buildId === buildId &&
      workerDeploymentInfo?.routingConfigUpdateState !==
        RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS;
    return done || undefined;
  });
}

/** What `temporal worker deployment describe-version` shows as the drainage status of a build. */
export async function drainageOf(
  client: Client,
  deploymentName: string,
  buildId: string,
): Promise<'DRAINING' | 'DRAINED' | 'UNSPECIFIED'> {
  const { workerDeploymentVersionInfo } = await client.workflowService.describeWorkerDeploymentVersion({
    namespace: client.options.namespace,
    deploymentVersion: { deploymentName, buildId },
  });
  const status = workerDeploymentVersionInfo?.drainageInfo?.status;
  return status === VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING
    ? 'DRAINING'
    : status === VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED
      ? 'DRAINED'
      : 'UNSPECIFIED';
}
