import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { findingAnswerSignal, findingUndoSignal } from '../common/messages/posture';
import { postureScheduleId, type PostureRunResult } from '../common/posture';
import { RoutineKey, TriageStateKey } from '../common/search-attributes';
import { workflowTypes } from '../common/workflow-types';
import { formatDuration } from '../common/duration';
import { CaseRefusedError, CliUsageError } from './cli-errors';
import type { CliTemporal } from './cli-connect';
import { renderTable } from './cli-table';

export const postureUsage = `  posture [list]                                  routines: schedule, paused, last run and what it found
  posture findings [--routine <id>]               open findings (one case per routine and subject)
  posture run|pause|unpause <routine>             run a routine now; pause or resume its schedule
  posture answer <findingId> --as <user> keep|remove   answer a finding's question
  posture undo <findingId> --as <user>            undo what a finding changed (a disabled guest)`;

const time = (d: Date | undefined) => (d ? d.toLocaleString() : '—');

async function lastRun(client: Client, workflowId: string | undefined): Promise<string> {
  if (!workflowId) return 'never';
  try {
    const handle = client.workflow.getHandle(workflowId);
    const described = await handle.describe();
    if (described.status.name !== 'COMPLETED') return described.status.name.toLowerCase();
    const r = (await handle.result()) as PostureRunResult;
    return r.failed ? `failed: ${r.failed}` : `found ${r.found}, ${r.opened} new${r.dryRun ? ' (dry run)' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function listRoutines(temporal: CliTemporal): Promise<string> {
  const prefix = postureScheduleId(temporal.taskQueue, '');
  const rows: string[][] = [];
  for await (const summary of temporal.client.schedule.list()) {
    if (!summary.scheduleId.startsWith(prefix)) continue;
    const d = await temporal.client.schedule.getHandle(summary.scheduleId).describe();
    const recent = d.info.recentActions.at(-1);
    const spec = d.spec.intervals?.[0]
      ? `every ${formatDuration(Number(d.spec.intervals[0].every))}`
      : d.spec.calendars?.length
        ? 'calendar (cron)'
        : '—';
    rows.push([
      summary.scheduleId.slice(prefix.length),
      spec,
      d.state.paused ? 'paused' : 'active',
      time(recent?.takenAt),
      await lastRun(temporal.client, recent?.action.workflow.workflowId),
      time(d.info.nextActionTimes[0]),
    ]);
  }
  if (rows.length === 0) return 'No posture routines are scheduled on this task queue (is the worker running?).';
  return renderTable(
    [
      { title: 'ROUTINE' },
      { title: 'SCHEDULE' },
      { title: 'STATE' },
      { title: 'LAST RUN' },
      { title: 'RESULT', max: 50 },
      { title: 'NEXT' },
    ],
    rows.sort((a, b) => a[0]!.localeCompare(b[0]!)),
  ).join('\n');
}

async function listFindings(client: Client, routine: string | undefined): Promise<string> {
  const query = [
    `WorkflowType = '${workflowTypes.postureFinding}'`,
    `ExecutionStatus = 'Running'`,
    ...(routine ? [`${RoutineKey.name} = '${routine.replace(/'/g, '')}'`] : []),
  ].join(' AND ');
  const rows: string[][] = [];
  for await (const w of client.workflow.list({ query })) {
    rows.push([
      String(w.typedSearchAttributes.get(RoutineKey) ?? ''),
      String(w.typedSearchAttributes.get(TriageStateKey) ?? ''),
      time(w.startTime),
      w.workflowId,
    ]);
    if (rows.length >= 200) break;
  }
  if (rows.length === 0) return 'No open findings.';
  return renderTable([{ title: 'ROUTINE' }, { title: 'STATE' }, { title: 'OPENED' }, { title: 'FINDING' }], rows).join(
    '\n',
  );
}

async function onSchedule(temporal: CliTemporal, verb: 'run' | 'pause' | 'unpause', routine: string | undefined) {
  if (!routine) throw new CliUsageError(`posture ${verb} <routine>\n\n${postureUsage}`);
  const handle = temporal.client.schedule.getHandle(postureScheduleId(temporal.taskQueue, routine));
  try {
    if (verb === 'run') await handle.trigger('ALLOW_ALL');
    else if (verb === 'pause') await handle.pause('paused from the CLI');
    else await handle.unpause('resumed from the CLI');
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new CaseRefusedError(`no posture routine "${routine}" is scheduled on this task queue`);
    throw err;
  }
  return verb === 'run'
    ? `Routine ${routine} started; see \`soc posture\` for its result.`
    : `Routine ${routine} ${verb}d.`;
}

/** `soc posture …`: the routines' schedules and findings. */
export async function runPostureCommand(args: string[], temporal: CliTemporal): Promise<string> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { routine: { type: 'string' }, as: { type: 'string' } },
    });
  } catch (err) {
    throw new CliUsageError(`${(err as Error).message}\n\n${postureUsage}`);
  }
  const [verb = 'list', target, answer] = parsed.positionals;
  switch (verb) {
    case 'list':
      return listRoutines(temporal);
    case 'findings':
      return listFindings(temporal.client, parsed.values.routine);
    case 'run':
    case 'pause':
    case 'unpause':
      return onSchedule(temporal, verb, target);
    case 'answer':
    case 'undo': {
      const by = parsed.values.as;
      if (!target || !by || (verb === 'answer' && answer !== 'keep' && answer !== 'remove'))
        throw new CliUsageError(
          `posture ${verb} <findingId> --as <user>${verb === 'answer' ? ' keep|remove' : ''}\n\n${postureUsage}`,
        );
      const handle = temporal.client.workflow.getHandle(target);
      const requestId = randomUUID();
      if (verb === 'answer')
        await handle.signal(findingAnswerSignal, { by, answer: answer as 'keep' | 'remove', requestId });
      else await handle.signal(findingUndoSignal, { by, requestId });
      return `Sent to ${target}; \`soc show\` is for triage cases, \`soc posture findings\` lists this one's state.`;
    }
    default:
      throw new CliUsageError(`unknown posture command "${verb}"\n\n${postureUsage}`);
  }
}
