import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { renderCase } from '../common/case-details';
import { caseStateQuery } from '../common/messages/triage';
import { DispositionKey } from '../common/search-attributes';
import { analystChoices, type AnalystDecisionKind, type CaseState } from '../common/triage';
import { localTime } from './metrics/format';
import { sendAnswer, sendDecision, type SendOutcome } from './triage-client';
import { CaseRefusedError, CliUsageError } from './cli-errors';

const QUERY_TIMEOUT_MS = 10_000;
const DEADLINE_EXCEEDED = 4;

/** The workflow id a case command needs, or a usage error naming the command's form. */
export function caseIdOf(positionals: readonly string[], form: string): string {
  const id = positionals[0];
  if (!id) throw new CliUsageError(`a workflow id is needed\nUsage: npm run soc -- ${form}`);
  return id;
}

/** `show`: the case so far, its times in the reader's zone. */
export async function showCase(client: Client, workflowId: string): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const state = (await client.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
      handle.query(caseStateQuery),
    )) as CaseState;
    return renderCase(state, { time: localTime }).replace(/\*\*/g, '');
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CaseRefusedError(`no case ${workflowId}`);
    if ((err as { cause?: { code?: unknown } }).cause?.code === DEADLINE_EXCEEDED)
      throw new CaseRefusedError(
        `no triage worker answered for ${workflowId} within ${QUERY_TIMEOUT_MS / 1000} s: is \`npm start\` or \`npm run worker\` running?`,
      );
    throw err;
  }
}

/** A closed case's message names its disposition, as visibility holds it. */
async function closedCaseMessage(client: Client, workflowId: string): Promise<string> {
  const disposition = await client.workflow
    .getHandle(workflowId)
    .describe()
    .then((d) => d.typedSearchAttributes.get(DispositionKey))
    .catch(() => undefined);
  return `case ${workflowId} is closed${disposition ? ` (${disposition})` : ''}`;
}

/**
 * `applied`, `accepted` (queued), `pending` (recorded by Temporal; takes effect when the workers are back); a refusal,
 * or a case that is closed or does not exist, is a `CaseRefusedError` (exit 1).
 */
async function outcomeText(client: Client, workflowId: string, outcome: SendOutcome): Promise<string> {
  if (outcome.status === 'not-found') throw new CaseRefusedError(`no case ${workflowId}`);
  if (outcome.status === 'closed') throw new CaseRefusedError(await closedCaseMessage(client, workflowId));
  if (outcome.status === 'refused') throw new CaseRefusedError(`refused: ${outcome.reason ?? 'refused'}`);
  if (outcome.status === 'pending')
    return 'pending: recorded by Temporal; takes effect when the triage workers are back';
  return outcome.result ? `${outcome.status}: ${outcome.result}` : outcome.status;
}

export const answerForm = 'answer <workflowId> --as <user> --yes|--no';
export const decideForm = `decide <workflowId> --as <analyst> <${analystChoices.join('|')}>`;

export async function answerCase(
  client: Client,
  positionals: readonly string[],
  values: { as?: string; yes?: boolean; no?: boolean },
): Promise<string> {
  const workflowId = caseIdOf(positionals, answerForm);
  if (!values.as || Boolean(values.yes) === Boolean(values.no))
    throw new CliUsageError(
      `answer needs --as <user> and exactly one of --yes or --no\nUsage: npm run soc -- ${answerForm}`,
    );
  const answer = values.yes ? 'it-was-me' : 'it-was-not-me';
  const outcome = await sendAnswer(client, workflowId, { userId: values.as, answer }, { requestId: randomUUID() });
  return outcomeText(client, workflowId, outcome);
}

export async function decideCase(
  client: Client,
  positionals: readonly string[],
  values: { as?: string; note?: string },
): Promise<string> {
  const workflowId = caseIdOf(positionals, decideForm);
  const decision = positionals[1] as AnalystDecisionKind;
  if (!values.as || !(analystChoices as readonly string[]).includes(decision))
    throw new CliUsageError(
      `decide needs --as <analyst> and one of: ${analystChoices.join(', ')}\nUsage: npm run soc -- ${decideForm}`,
    );
  const outcome = await sendDecision(
    client,
    workflowId,
    { analystId: values.as, decision, note: values.note },
    { requestId: randomUUID() },
  );
  return outcomeText(client, workflowId, outcome);
}
