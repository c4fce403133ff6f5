import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { AlertDispatcher, AlertOutcome } from '../../client/intake/dispatch';
import { sendAnswer, sendDecision, type SendOutcome } from '../../client/triage-client';
import type { AnalystDecisionKind, CaseState, UserAnswer } from '../../common/triage';
import { caseStateQuery } from '../../common/messages/triage';
import { CHAOS_ANALYST, containsWithoutAnalyst, type PlannedCase } from './scenario';

/**
 * The people around a case, through the same client paths the CLI uses: the SIEM delivering (and redelivering) the
 * alert through the intake's dispatcher, the user answering "was this you?", the analyst deciding. Each retries what
 * timed out, as a person clicking again would, and records what it believes was accepted.
 */

export interface Delivery {
  outcome?: AlertOutcome;
  attempts: number;
  acknowledgedAt?: number;
  /** Why the last attempt failed, when it did. */
  lastError?: string;
}

/** `accepted`: Temporal holds it (applied, queued or pending); `rejected`: the workflow refused it; `gave-up`: never reached Temporal. */
export interface Interaction<T extends string> {
  value: T;
  result: 'accepted' | 'rejected' | 'gave-up' | 'not-ready';
  detail?: string;
  attempts: number;
  at?: number;
}

export interface CaseLog {
  delivery: Delivery;
  redelivery?: Delivery;
  answer?: Interaction<UserAnswer>;
  decision?: Interaction<AnalystDecisionKind>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Delivers until the intake acknowledges it (a SIEM retries what was not acknowledged), within `budgetMs`. */
export async function deliver(dispatcher: AlertDispatcher, item: PlannedCase, budgetMs: number): Promise<Delivery> {
  const delivery: Delivery = { attempts: 0 };
  const deadline = Date.now() + budgetMs;
  while (Date.now() < deadline) {
    delivery.attempts += 1;
    try {
      delivery.outcome = (await dispatcher.dispatch({ kind: 'create', alert: item.alert })).outcome;
      delivery.acknowledgedAt = Date.now();
      return delivery;
    } catch (err) {
      delivery.lastError = err instanceof Error ? err.message.split('\n')[0] : String(err);
      await sleep(1000);
    }
  }
  return delivery;
}

/** The case as its query shows it, or undefined while no worker answers. */
export async function readCase(client: Client, workflowId: string, timeoutMs = 5000): Promise<CaseState | undefined> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () =>
      client.workflow.getHandle(workflowId).query(caseStateQuery),
    );
  } catch {
    return undefined;
  }
}

async function waitForCase(
  client: Client,
  workflowId: string,
  predicate: (state: CaseState) => boolean,
  giveUp: (state: CaseState) => boolean,
  until: number,
  stopped: () => boolean,
): Promise<CaseState | undefined> {
  while (Date.now() < until && !stopped()) {
    const state = await readCase(client, workflowId);
    if (state && predicate(state)) return state;
    if (state && giveUp(state)) return undefined;
    await sleep(500);
  }
  return undefined;
}

/**
 * One answer or decision through the CLI's and the bot's path (a Signal with a request id, then its outcome), retried
 * with the same request id while Temporal cannot be reached: accepted once Temporal holds it (applied, queued or
 * pending a worker), rejected when the workflow refuses it.
 */
async function sendDurably<T extends string>(
  value: T,
  until: number,
  send: (requestId: string) => Promise<SendOutcome>,
): Promise<Interaction<T>> {
  const requestId = randomUUID();
  const interaction: Interaction<T> = { value, result: 'gave-up', attempts: 0 };
  while (Date.now() < until) {
    interaction.attempts += 1;
    try {
      const outcome = await send(requestId);
      if (outcome.status === 'refused' || outcome.status === 'closed' || outcome.status === 'not-found')
        return { ...interaction, result: 'rejected', detail: outcome.reason ?? outcome.status };
      return { ...interaction, result: 'accepted', at: Date.now(), detail: outcome.status };
    } catch (err) {
      interaction.detail = err instanceof Error ? err.message : String(err);
      await sleep(1000);
    }
  }
  return interaction;
}

export interface ActorOptions {
  client: Client;
  /** How long an actor keeps trying before it gives up (the run's end). */
  until: () => number;
  stopped: () => boolean;
}

/** The asked user answers at the planned share of the time to the deadline. */
export async function actAsUser(item: PlannedCase, log: CaseLog, options: ActorOptions): Promise<void> {
  const planned = item.answer;
  if (!planned) return;
  const { client } = options;
  const asked = await waitForCase(
    client,
    item.workflowId,
    (s) => Boolean(s.question?.messageRef),
    (s) => Boolean(s.question?.outcome) || s.triageState === 'closed',
    options.until(),
    options.stopped,
  );
  if (!asked) {
    log.answer = { value: planned.answer, result: 'not-ready', attempts: 0 };
    return;
  }
  const question = asked.question!;
  const askedAt = Date.parse(question.askedAt);
  await sleep(askedAt + planned.atShare * (Date.parse(question.deadline) - askedAt) - Date.now());
  log.answer = await sendDurably(
    planned.answer,
    Math.min(options.until(), Date.parse(question.deadline) + 30_000),
    (requestId) =>
      sendAnswer(client, item.workflowId, { userId: item.entities.upn, answer: planned.answer }, { requestId }),
  );
}

/** The analyst decides once the case has reached them (contained first, when the rule contains on its own). */
export async function actAsAnalyst(item: PlannedCase, log: CaseLog, options: ActorOptions): Promise<void> {
  const decision = item.decision;
  if (!decision) return;
  const { client } = options;
  const waitsForContainment = containsWithoutAnalyst(item.catalogPolicy, item.answer?.answer);
  const ready = await waitForCase(
    client,
    item.workflowId,
    (s) => s.escalations.length > 0 && (!waitsForContainment || s.triageState === 'contained'),
    // Containment that will not come: the question expired, or containment ran and failed.
    (s) =>
      s.triageState === 'closed' ||
      (waitsForContainment &&
        s.escalations.length > 0 &&
        s.triageState === 'awaiting-analyst' &&
        (s.containment.length > 0 || s.question?.outcome === 'expired')),
    options.until(),
    options.stopped,
  );
  if (!ready) {
    log.decision = { value: decision, result: 'not-ready', attempts: 0 };
    return;
  }
  log.decision = await sendDurably(decision, options.until(), (requestId) =>
    sendDecision(
      client,
      item.workflowId,
      { analystId: CHAOS_ANALYST, decision, note: 'crash-loop benchmark' },
      { requestId },
    ),
  );
}
