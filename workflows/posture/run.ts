import * as wf from '@temporalio/workflow';
import type { PostureRunInput, PostureRunResult } from '../../common/posture';
import { RoutineKey } from '../../common/search-attributes';
import {
  findPostureIssues,
  openPostureFindings,
  reasonOf,
  reportContainmentDrift,
  submitPostureCases,
} from './activities';
import { recordRun } from './metrics';

/**
 * One run of a posture routine, started by the routine's Schedule: find what is wrong now, and hand each finding to
 * its case (one per routine + subject; a finding still open from an earlier run is only told it was seen again).
 * High-risk users go to the intake instead, so the triage loop asks or contains them. Never fails: a run that cannot
 * read the directory records why and ends.
 */
export async function postureRunWorkflow(input: PostureRunInput): Promise<PostureRunResult> {
  const { routine, analysts } = input;
  const runId = wf.workflowInfo().workflowId;
  wf.upsertSearchAttributes([{ key: RoutineKey, value: routine.id }]);
  const result: PostureRunResult = { routineId: routine.id, found: 0, opened: 0, dryRun: routine.dryRun };
  const show = (line: string) =>
    wf.setCurrentDetails(`**${routine.name}** (${routine.mode}${routine.dryRun ? ', dry run' : ''})\n\n${line}`);
  show('Looking for findings…');
  try {
    const findings = await findPostureIssues.executeWithOptions({ summary: `Find: ${routine.name}` }, [routine]);
    result.found = findings.length;
    show(`Found ${findings.length}; opening their cases…`);
    if (findings.length > 0) {
      if (routine.check === 'containment-drift') {
        // The drifted case is the case: it records the drift and re-applies or escalates; a dry run tells nobody.
        if (!routine.dryRun) {
          const reported = await reportContainmentDrift.executeWithOptions(
            { summary: `Tell ${findings.length} cases their containment drifted` },
            [{ routine, findings, runId }],
          );
          result.opened = reported.told;
        }
      } else if (routine.check === 'risky-users-without-case' && routine.mode !== 'report' && !routine.dryRun) {
        const submitted = await submitPostureCases.executeWithOptions(
          { summary: `Open triage cases for ${findings.length} risky users` },
          [routine, findings],
        );
        result.opened = submitted.started;
      } else {
        const opened = await openPostureFindings.executeWithOptions(
          { summary: `Open or join ${findings.length} finding cases` },
          [{ routine, findings, runId, analysts }],
        );
        result.opened = opened.opened;
      }
    }
  } catch (err) {
    if (wf.isCancellation(err)) throw err;
    result.failed = reasonOf(err);
  }
  recordRun(result);
  show(
    result.failed
      ? `Failed: ${result.failed}`
      : `Found ${result.found}, ${result.opened} new${result.dryRun ? ' (dry run: nothing asked or changed)' : ''}.`,
  );
  return result;
}
