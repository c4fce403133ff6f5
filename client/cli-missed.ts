import { parseArgs } from 'node:util';
import { parseDuration } from '../common/duration';
import { visibilityString } from '../common/visibility';
import { CliUsageError } from './cli-errors';
import type { CliTemporal } from './cli-connect';
import { recordMissedDetection } from './exercise';

export const missedForm =
  'missed --rule <id> [--rule <id>…] --at <ISO time|duration ago> --note <text> [--as <analyst>] [--id <id>] [--case <workflowId>]';

const usage = (problem: string) => new CliUsageError(`${problem}\nUsage: npm run soc -- ${missedForm}`);

/** Rule ids as every command takes them: visibility can hold them, and they are not empty. */
export function ruleIdsOf(values: string[] | undefined, flag = '--rule'): string[] {
  const rules = [...new Set((values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()))].filter(Boolean);
  for (const rule of rules) {
    if (rule.length > 200) throw usage(`${flag}: a rule id is at most 200 characters`);
    try {
      visibilityString(rule);
    } catch (err) {
      throw usage(`${flag}: ${(err as Error).message}`);
    }
  }
  return rules;
}

export const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface MissedRequest {
  rules: string[];
  at: string;
  note: string;
  by: string;
  id?: string;
  caseWorkflowId?: string;
}

/** Validates `missed`'s options; nothing is sent for a record that could not be counted. */
export function parseMissed(args: string[], now = new Date()): MissedRequest {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        rule: { type: 'string', multiple: true },
        at: { type: 'string' },
        note: { type: 'string' },
        as: { type: 'string' },
        id: { type: 'string' },
        case: { type: 'string' },
      },
    }));
  } catch (err) {
    throw usage((err as Error).message);
  }
  const rules = ruleIdsOf(values.rule);
  if (rules.length === 0) throw usage('missed needs --rule <id>: the rule that should have caught it');
  if (!values.at) throw usage('missed needs --at: when the incident happened (an ISO time, or a duration ago like 2h)');
  const ago = parseDuration(values.at);
  const at = ago !== undefined ? new Date(now.getTime() - ago) : new Date(values.at);
  if (Number.isNaN(at.getTime())) throw usage(`--at must be an ISO time or a duration like 2h, not "${values.at}"`);
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) throw usage('--at is in the future');
  const note = values.note?.trim();
  if (!note) throw usage('missed needs --note: what happened and how it was found');
  if (note.length > 2000) throw usage('--note is at most 2000 characters');
  if (values.id !== undefined && !RECORD_ID.test(values.id))
    throw usage('--id is 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  return {
    rules,
    at: at.toISOString(),
    note,
    by: values.as?.trim() || process.env.USER || 'cli',
    ...(values.id ? { id: values.id } : {}),
    ...(values.case ? { caseWorkflowId: values.case } : {}),
  };
}

/** `missed`: one durable record, counted as a false negative of each named rule; the same record twice is one. */
export async function missedCommand(args: string[], temporal: CliTemporal): Promise<string> {
  const request = parseMissed(args);
  const { workflowId, outcome } = await recordMissedDetection(temporal.client, temporal.taskQueue, request);
  return outcome === 'recorded'
    ? `recorded: ${workflowId} (a missed detection of ${request.rules.join(', ')})`
    : `already recorded: ${workflowId}`;
}
