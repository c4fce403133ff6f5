import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Alert } from '../common/alert';
import { exerciseRegistryId, type ExerciseMatch, type ExerciseOutcome, type OpenExercise } from '../common/exercise';
import { closeExerciseUpdate, matchExerciseUpdate, openExerciseSignal } from '../common/messages/exercise';
import { workflowTypes } from '../common/workflow-types';

/**
 * The exercises' and the triage cases' calls to a rule's exercise registry, through the worker's own client, on the
 * caller's task queue. A registry that is not running holds no open exercise.
 */

export interface ExerciseMatchRequest {
  taskQueue: string;
  caseWorkflowId: string;
  alert: Alert;
}

const registryGone = (err: unknown) => err instanceof WorkflowNotFoundError;

export function createExerciseActivities() {
  const client = () => Context.current().client;
  return {
    /** Opens the exercise's window in its rule's registry, starting the registry if none is running. */
    async openExercise(request: { taskQueue: string; exercise: OpenExercise }): Promise<void> {
      const { taskQueue, exercise } = request;
      await client().workflow.signalWithStart(workflowTypes.exerciseRegistry, {
        workflowId: exerciseRegistryId(taskQueue, exercise.plan.ruleId),
        taskQueue,
        args: [{}],
        signal: openExerciseSignal,
        signalArgs: [exercise],
        staticSummary: `Detection exercises of ${exercise.plan.ruleId}`.slice(0, 200),
      });
    },

    /**
     * The exercise's outcome, closing its window. A registry that is gone answers `missed`: a match is told to the
     * exercise by signal before any close is answered, so the exercise already knows of every detection.
     */
    async closeExercise(request: { taskQueue: string; ruleId: string; exerciseId: string }): Promise<ExerciseOutcome> {
      const handle = client().workflow.getHandle(exerciseRegistryId(request.taskQueue, request.ruleId));
      try {
        return await handle.executeUpdate(closeExerciseUpdate, {
          args: [request.exerciseId],
          updateId: `close:${request.exerciseId}`,
        });
      } catch (err) {
        if (registryGone(err)) return { outcome: 'missed' };
        throw err;
      }
    },

    /** Whether the alert is an open exercise's (null when its rule has no registry running). */
    async matchExercise(request: ExerciseMatchRequest): Promise<ExerciseMatch | null> {
      const handle = client().workflow.getHandle(exerciseRegistryId(request.taskQueue, request.alert.ruleId));
      try {
        return await handle.executeUpdate(matchExerciseUpdate, {
          args: [{ alert: request.alert, caseWorkflowId: request.caseWorkflowId }],
          updateId: `match:${request.caseWorkflowId}`,
        });
      } catch (err) {
        if (registryGone(err)) return null;
        throw err;
      }
    },
  };
}

export type ExerciseActivities = ReturnType<typeof createExerciseActivities>;
