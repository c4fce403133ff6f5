import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { formatDuration } from '../../common/duration';
import { caseStateQuery } from '../../common/messages/triage';
import type { PostureFinding, PostureRoutine } from '../../common/posture';
import { triageCasesClause, visibilityString } from '../../common/visibility';
import type { CaseState, ContainmentDrift, ContainmentRecord, ContainmentRequest } from '../../common/triage';
import { undoRequestFor } from '../../common/case-targets';
import type { ContainmentExecutor } from '../ports';

/**
 * The two routines about this product's own containment: the drift guard (is what open cases applied still in
 * place?) and the expiry of temporary IP blocks (what closed cases blocked, long enough ago). Both read the cases
 * themselves — their containment records say what this product applied, and nothing else is ever touched.
 */

type Routine<C extends PostureRoutine['check']> = Extract<PostureRoutine, { check: C }>;

/**
 * This deployment's cases (its task queue: another deployment in the namespace guards its own) that contained
 * something: they have SocContainedAt, and a comparison leaves out the cases without it.
 */
const containedCases = (taskQueue: string) =>
  `${triageCasesClause} AND TaskQueue = ${visibilityString(taskQueue)} AND SocContainedAt > '1970-01-01T00:00:00Z'`;

/** The request that reads (or re-applies, or undoes) what a record names, as of the containment time. */
function requestFor(record: ContainmentRecord, state: CaseState): ContainmentRequest {
  return { ...undoRequestFor(record, state), requestedAt: record.at };
}

async function listCases(client: Client, query: string, max: number): Promise<{ workflowId: string; runId: string }[]> {
  const found: { workflowId: string; runId: string }[] = [];
  for await (const info of client.workflow.list({ query, pageSize: Math.min(max, 1000) })) {
    found.push({ workflowId: info.workflowId, runId: info.runId });
    if (found.length >= max) break;
  }
  return found;
}

/** Open cases whose applied containment has drifted: one finding per case, listing what is no longer in place. */
export async function findContainmentDrift(
  client: Client,
  taskQueue: string,
  containment: ContainmentExecutor,
  routine: Routine<'containment-drift'>,
  now: number,
  heartbeat: () => void,
): Promise<PostureFinding[]> {
  const query = `${containedCases(taskQueue)} AND ExecutionStatus = 'Running'`;
  const findings: PostureFinding[] = [];
  for (const { workflowId } of await listCases(client, query, routine.parameters.maxCases)) {
    heartbeat();
    const state = await client.workflow
      .getHandle(workflowId)
      .query(caseStateQuery)
      .catch(() => undefined);
    // A case that closed meanwhile, or cannot answer now, is verified on the next run.
    if (!state || state.triageState === 'closed' || state.triageState === 'releasing') continue;
    const drifted: ContainmentDrift[] = [];
    for (const record of state.containment.filter((c) => c.status === 'applied')) {
      if (await containment.isInPlace(requestFor(record, state))) continue;
      drifted.push({ action: record.action, target: record.target, observedAt: new Date(now).toISOString() });
    }
    if (drifted.length === 0) continue;
    findings.push({
      subject: { id: workflowId, label: state.alert.title },
      summary: `Containment of "${state.alert.title}" is no longer in place: ${drifted.map((d) => `${d.action} ${d.target}`).join(', ')}`,
      facts: drifted.map((d) => ({ label: d.action, value: `${d.target}: no longer in place` })),
      drift: { caseWorkflowId: workflowId, drifted },
    });
  }
  return findings;
}

/**
 * Closed cases are the record of what was blocked, and Temporal deletes them after the namespace's retention period:
 * with `closedFor` as long or longer, every block would outlive its record and never expire. Said once, by name.
 */
async function refuseWhenRetentionIsShorter(client: Client, closedForMs: number): Promise<void> {
  const { config } = await client.workflowService.describeNamespace({ namespace: client.options.namespace });
  const retentionMs = optionalTsToMs(config?.workflowExecutionRetentionTtl) ?? 0;
  if (retentionMs > 0 && closedForMs >= retentionMs) {
    throw ApplicationFailure.nonRetryable(
      `closedFor (${formatDuration(closedForMs)}) must be shorter than the namespace's retention (${formatDuration(retentionMs)}): closed cases, the record of what this product blocked, are deleted after it`,
      'ClosedForBeyondRetention',
    );
  }
}

/** One IP to unblock, with the closed cases that blocked it. */
export interface ExpiredBlock {
  ip: string;
  cases: { workflowId: string; closedAt: string }[];
}

/**
 * IPs blocked (`applied`: this product added them) by cases closed before the cutoff, still in the named location,
 * and held by no open case and no case closed since the cutoff. Ranges this product did not add are never listed.
 */
export async function findExpiredBlocks(
  client: Client,
  taskQueue: string,
  containment: ContainmentExecutor,
  routine: Routine<'expired-ip-blocks'>,
  now: number,
  heartbeat: () => void,
): Promise<ExpiredBlock[]> {
  const { closedForMs, maxCases } = routine.parameters;
  await refuseWhenRetentionIsShorter(client, closedForMs);
  const cutoff = new Date(now - closedForMs).toISOString();
  const closed = `${containedCases(taskQueue)} AND ExecutionStatus = 'Completed'`;
  /** The IPs the cases of `query` blocked: only those they added (`ours`), or also those they rely on. */
  const blocksOf = async (query: string, running: boolean, ours: boolean) => {
    const blocks: { ip: string; workflowId: string; closedAt?: string }[] = [];
    for (const { workflowId, runId } of await listCases(client, query, maxCases)) {
      heartbeat();
      const handle = client.workflow.getHandle(workflowId, runId);
      const read = running ? handle.query(caseStateQuery) : (handle.result() as Promise<CaseState>);
      // A case that may still hold an IP and cannot be read stops the run (retried): nothing is removed blind.
      const state = ours ? await read.catch(() => undefined) : await read;
      const ip = state?.alert.entities.sourceIp;
      if (!state || !ip) continue;
      const holds = state.containment.some(
        (c) => c.action === 'block-ip' && (c.status === 'applied' || (!ours && c.status === 'already-in-place')),
      );
      if (holds) blocks.push({ ip, workflowId, ...(state.closedAt ? { closedAt: state.closedAt } : {}) });
    }
    return blocks;
  };
  const expired = (await blocksOf(`${closed} AND SocClosedAt < ${visibilityString(cutoff)}`, false, true)).filter(
    (b) => b.closedAt !== undefined,
  );
  if (expired.length === 0) return [];
  const held = new Set(
    [
      ...(await blocksOf(`${containedCases(taskQueue)} AND ExecutionStatus = 'Running'`, true, false)),
      ...(await blocksOf(`${closed} AND SocClosedAt >= ${visibilityString(cutoff)}`, false, false)),
    ].map((b) => b.ip),
  );
  const byIp = new Map<string, ExpiredBlock>();
  for (const block of expired) {
    if (held.has(block.ip)) continue;
    const entry = byIp.get(block.ip) ?? { ip: block.ip, cases: [] };
    entry.cases.push({ workflowId: block.workflowId, closedAt: block.closedAt! });
    byIp.set(block.ip, entry);
  }
  const stillBlocked: ExpiredBlock[] = [];
  for (const block of byIp.values()) {
    const request: ContainmentRequest = { workflowId: block.cases[0]!.workflowId, action: 'block-ip', ip: block.ip };
    if (await containment.isInPlace(request)) stillBlocked.push(block);
  }
  return stillBlocked;
}

export function expiredBlockFinding(routine: Routine<'expired-ip-blocks'>, block: ExpiredBlock): PostureFinding {
  const newest = block.cases
    .map((c) => c.closedAt)
    .sort()
    .at(-1)!;
  return {
    subject: { id: block.ip, label: block.ip },
    summary: `The temporary block of ${block.ip} has expired: its case closed more than ${formatDuration(routine.parameters.closedForMs)} ago`,
    facts: [
      { label: 'Blocked by', value: block.cases.map((c) => c.workflowId).join(', ') },
      { label: 'Last case closed', value: newest },
    ],
  };
}
