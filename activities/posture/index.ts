import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  postureFindingWorkflowId,
  type PostureFinding,
  type PostureFindingInput,
  type PostureRoutine,
} from '../../common/posture';
import { riskyUserAlert } from '../../common/posture-alerts';
import { findingSeenSignal } from '../../common/messages/posture';
import { containmentDriftSignal } from '../../common/messages/triage';
import { RoutineKey, TriageStateKey } from '../../common/search-attributes';
import { workflowTypes } from '../../common/workflow-types';
import type { ContainmentExecutor, PostureCaseIntake, PostureDirectory } from '../ports';
import { findIssues, MAX_FINDINGS_PER_RUN, stillApplies } from './checks';
import { expiredBlockFinding, findContainmentDrift, findExpiredBlocks } from './containment';

export interface PostureActivityDependencies {
  /** Absent where no directory is configured: the routines' reads fail permanently with the reason. */
  directory?: PostureDirectory;
  /** What verifies and removes containment (the drift guard, the expiry of IP blocks); the triage worker's own. */
  containment?: ContainmentExecutor;
  /** Absent outside a worker with an intake: risky users cannot get a case. */
  intake?: PostureCaseIntake;
  now?: () => number;
}

export interface OpenFindingsRequest {
  routine: PostureRoutine;
  findings: PostureFinding[];
  runId: string;
  analysts: string[];
}

/** The activities of the posture routines (workflows/posture), from their dependencies. */
export function createPostureActivities(deps: PostureActivityDependencies) {
  const now = deps.now ?? Date.now;
  const directory = (): PostureDirectory => {
    if (!deps.directory)
      throw ApplicationFailure.nonRetryable('no directory is configured for posture routines', 'NotConfigured');
    return deps.directory;
  };

  const containment = (): ContainmentExecutor => {
    if (!deps.containment)
      throw ApplicationFailure.nonRetryable('no containment is configured for posture routines', 'NotConfigured');
    return deps.containment;
  };

  return {
    /** What the routine's check finds right now (bounded; see MAX_FINDINGS_PER_RUN). */
    async findPostureIssues(routine: PostureRoutine): Promise<PostureFinding[]> {
      const ctx = Context.current();
      const heartbeat = () => ctx.heartbeat();
      switch (routine.check) {
        case 'containment-drift':
          return findContainmentDrift(ctx.client, ctx.info.taskQueue, containment(), routine, now(), heartbeat);
        case 'expired-ip-blocks':
          return (await findExpiredBlocks(ctx.client, ctx.info.taskQueue, containment(), routine, now(), heartbeat))
            .slice(0, MAX_FINDINGS_PER_RUN)
            .map((block) => expiredBlockFinding(routine, block));
        default:
          return findIssues(directory(), routine, now());
      }
    },

    async postureStillApplies(routine: PostureRoutine, subjectId: string): Promise<boolean> {
      switch (routine.check) {
        case 'containment-drift':
          return true; // its findings are told to their triage case; no finding case re-checks them
        case 'expired-ip-blocks':
          return containment().isInPlace({ workflowId: subjectId, action: 'block-ip', ip: subjectId });
        default:
          return stillApplies(directory(), routine, subjectId, now());
      }
    },

    /** The drift guard's findings, each told to its own triage case (which re-applies or escalates per its rule). */
    async reportContainmentDrift(request: {
      routine: Extract<PostureRoutine, { check: 'containment-drift' }>;
      findings: PostureFinding[];
      runId: string;
    }): Promise<{ told: number }> {
      const ctx = Context.current();
      const mode = request.routine.mode === 'act' ? 'act' : 'report';
      let told = 0;
      for (const { drift } of request.findings) {
        if (!drift) continue;
        await ctx.client.workflow
          .getHandle(drift.caseWorkflowId)
          .signal(containmentDriftSignal, {
            runId: request.runId,
            routineId: request.routine.id,
            mode,
            drifted: drift.drifted,
          })
          .then(() => told++)
          .catch((err: unknown) => {
            // A case that closed since it was read has nothing left to guard.
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          });
        ctx.heartbeat();
      }
      return { told };
    },

    /**
     * Opens one case per finding, keyed by routine + subject: a finding that is already open is told it was seen
     * again instead. Repeating this (a retry, a crashed worker) opens nothing twice.
     */
    async openPostureFindings(request: OpenFindingsRequest): Promise<{ opened: number }> {
      const ctx = Context.current();
      const { routine, runId, analysts } = request;
      let opened = 0;
      for (const finding of request.findings) {
        const workflowId = postureFindingWorkflowId(routine.id, finding.subject.id);
        const input: PostureFindingInput = { routine, finding, analysts, runId };
        try {
          await ctx.client.workflow.start(workflowTypes.postureFinding, {
            workflowId,
            taskQueue: ctx.info.taskQueue,
            args: [input],
            workflowIdConflictPolicy: 'FAIL',
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            staticSummary: `${routine.name}: ${finding.subject.label}`.slice(0, 200),
            staticDetails: [`**${finding.summary}**`, ...finding.facts.map((f) => `- ${f.label}: ${f.value}`)].join(
              '\n',
            ),
            typedSearchAttributes: [
              { key: RoutineKey, value: routine.id },
              { key: TriageStateKey, value: 'open' },
            ],
          });
          opened++;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          await ctx.client.workflow
            .getHandle(workflowId)
            .signal(findingSeenSignal, { runId, at: new Date(now()).toISOString() });
        }
        ctx.heartbeat();
      }
      return { opened };
    },

    /** Risky users: each gets a triage case through the intake (an open case for the same risk event is kept). */
    async submitPostureCases(
      routine: Extract<PostureRoutine, { check: 'risky-users-without-case' }>,
      findings: PostureFinding[],
    ): Promise<{ started: number; workflowIds: string[] }> {
      if (!deps.intake)
        throw ApplicationFailure.nonRetryable('no intake is configured for posture cases', 'NotConfigured');
      const at = new Date(now()).toISOString();
      let started = 0;
      const workflowIds: string[] = [];
      for (const finding of findings) {
        const result = await deps.intake.submit(riskyUserAlert(routine, finding, at));
        if (result.outcome === 'started') started++;
        workflowIds.push(result.workflowId);
        Context.current().heartbeat();
      }
      return { started, workflowIds };
    },
  };
}

export type PostureActivities = ReturnType<typeof createPostureActivities>;
