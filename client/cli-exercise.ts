import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { formatDuration, parseDuration } from '../common/duration';
import { planProblem, type ExerciseInput } from '../common/exercise';
import { exerciseStatusQuery } from '../common/messages/exercise';
import { visibilityString } from '../common/visibility';
import { CliUsageError } from './cli-errors';
import type { CliTemporal } from './cli-connect';
import { renderTable, type TableColumn } from './cli-table';
import { ruleIdsOf, RECORD_ID } from './cli-missed';
import { exercisesClause, scheduleExercise, startExercise, toExerciseRecord } from './exercise';
import { localTime } from './metrics/format';

const targetFlags =
  '--rule <id> --window <30m> [--marker <text>] [--user <upn>] [--host <name>] [--note <text>] [--ask-user]';
export const exerciseForms = [
  `exercise start ${targetFlags} [--id <id>]`,
  `exercise schedule ${targetFlags} --every <7d> [--plan <name>]`,
  'exercise list [--rule <id>] [--limit N]',
];

const usage = (problem: string) =>
  new CliUsageError(`${problem}\nUsage:\n${exerciseForms.map((f) => `  npm run soc -- ${f}`).join('\n')}`);

const options = {
  rule: { type: 'string', multiple: true },
  window: { type: 'string' },
  marker: { type: 'string' },
  user: { type: 'string' },
  host: { type: 'string' },
  note: { type: 'string' },
  id: { type: 'string' },
  every: { type: 'string' },
  plan: { type: 'string' },
  limit: { type: 'string' },
  'ask-user': { type: 'boolean' },
} as const;

type Values = {
  [K in keyof typeof options]?: (typeof options)[K] extends { multiple: true }
    ? string[]
    : (typeof options)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

export type ExerciseCommand =
  | { verb: 'start'; input: ExerciseInput; id?: string }
  | { verb: 'schedule'; input: ExerciseInput; everyMs: number; plan: string }
  | { verb: 'list'; rule?: string; limit: number };

const allowed: Record<ExerciseCommand['verb'], (keyof typeof options)[]> = {
  start: ['rule', 'window', 'marker', 'user', 'host', 'note', 'ask-user', 'id'],
  schedule: ['rule', 'window', 'marker', 'user', 'host', 'note', 'ask-user', 'every', 'plan'],
  list: ['rule', 'limit'],
};

function planOf(values: Values): ExerciseInput {
  const rules = ruleIdsOf(values.rule);
  if (rules.length !== 1) throw usage('an exercise tests exactly one rule: --rule <id>');
  if (!values.window) throw usage('an exercise needs --window: how long its alert may take, like 30m');
  const windowMs = parseDuration(values.window);
  if (windowMs === undefined) throw usage(`--window must be a duration like 30m, not "${values.window}"`);
  const trimmed = (v?: string) => v?.trim() || undefined;
  const input: ExerciseInput = {
    ruleId: rules[0]!,
    windowMs,
    by: process.env.USER || 'cli',
    ...(trimmed(values.marker) ? { marker: trimmed(values.marker) } : {}),
    ...(trimmed(values.user) ? { user: trimmed(values.user) } : {}),
    ...(trimmed(values.host) ? { host: trimmed(values.host) } : {}),
    ...(trimmed(values.note) ? { note: trimmed(values.note) } : {}),
    ...(values['ask-user'] ? { askUser: true } : {}),
  };
  const problem = planProblem(input);
  if (problem) throw usage(problem);
  return input;
}

/** Validates `exercise`'s verb and options; nothing is sent for an exercise that could never be matched. */
export function parseExercise(args: string[]): ExerciseCommand {
  const [verb, ...rest] = args;
  if (verb !== 'start' && verb !== 'schedule' && verb !== 'list') throw usage('exercise needs start, schedule or list');
  let values: Values;
  try {
    ({ values } = parseArgs({ args: rest, strict: true, allowPositionals: false, options }));
  } catch (err) {
    throw usage((err as Error).message);
  }
  const extra = Object.keys(values).filter((k) => !allowed[verb].includes(k as keyof typeof options));
  if (extra.length) throw usage(`exercise ${verb} does not take --${extra.join(', --')}`);
  if (verb === 'list') {
    const limit = values.limit ?? '50';
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 10_000)
      throw usage(`--limit must be a whole number from 1 to 10000; not "${limit}"`);
    const rules = ruleIdsOf(values.rule);
    return { verb, limit: Number(limit), ...(rules[0] ? { rule: rules[0] } : {}) };
  }
  const input = planOf(values);
  for (const [flag, value] of [
    ['--id', values.id],
    ['--plan', values.plan],
  ] as const)
    if (value !== undefined && !RECORD_ID.test(value))
      throw usage(`${flag} is 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  if (verb === 'start') return { verb, input, ...(values.id ? { id: values.id } : {}) };
  const everyMs = values.every ? parseDuration(values.every) : undefined;
  if (everyMs === undefined) throw usage('exercise schedule needs --every <duration>, like 7d');
  if (everyMs <= input.windowMs) throw usage('--every must be longer than --window: one exercise at a time per plan');
  return { verb, input, everyMs, plan: values.plan ?? 'default' };
}

const columns: TableColumn[] = [
  { title: 'started' },
  { title: 'rule', max: 40 },
  { title: 'outcome', max: 12 },
  { title: 'ended' },
  { title: 'workflow id' },
];

export async function listExercises(client: Client, filter: { rule?: string; limit: number }): Promise<string> {
  const query = filter.rule ? `${exercisesClause} AND SocRuleId = ${visibilityString(filter.rule)}` : exercisesClause;
  const records = [];
  for await (const info of client.workflow.list({ query, pageSize: 1000 })) records.push(toExerciseRecord(info));
  if (records.length === 0) return 'no exercises';
  const rows = records
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())
    .slice(0, filter.limit)
    .map((r) => [
      localTime(r.startedAt),
      r.ruleId,
      r.running && r.outcome !== 'detected' ? 'waiting' : (r.outcome ?? ''),
      r.closedAt ? localTime(r.closedAt) : r.running ? '' : '(not run)',
      r.workflowId,
    ]);
  return renderTable(columns, rows).join('\n');
}

/** The exercise once its window is open in the rule's registry (alerts from then on match it); undefined after 10 s. */
async function windowOpened(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const status = await client
      .withDeadline(Date.now() + 2_000, () => handle.query(exerciseStatusQuery))
      .catch(() => undefined);
    if (status?.state === 'open') return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/** `exercise start | schedule | list`. */
export async function exerciseCommand(args: string[], temporal: CliTemporal): Promise<string> {
  const command = parseExercise(args);
  const { client, taskQueue } = temporal;
  switch (command.verb) {
    case 'list':
      return listExercises(client, command);
    case 'start': {
      const { workflowId, outcome } = await startExercise(client, taskQueue, command.input, command.id);
      if (outcome === 'duplicate') return `already started: ${workflowId}`;
      const status = await windowOpened(client, workflowId);
      if (!status?.endsAt)
        return `started: ${workflowId} — its window opens when a worker picks it up (is \`npm run worker\` running?); run the test after that`;
      return `started: ${workflowId} — a detection exercise of ${command.input.ruleId}; run the test now (window until ${localTime(status.endsAt)})`;
    }
    case 'schedule': {
      const { scheduleId, outcome } = await scheduleExercise(client, taskQueue, command.input, {
        name: command.plan,
        everyMs: command.everyMs,
      });
      return `${outcome}: schedule ${scheduleId} — a ${formatDuration(command.input.windowMs)} exercise of ${command.input.ruleId} every ${formatDuration(command.everyMs)}`;
    }
  }
}
