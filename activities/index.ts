import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  containmentTarget,
  enrichmentLimits,
  enrichmentParts,
  type ContainmentRequest,
  type ContainmentResult,
  type Enrichment,
  type EnrichmentPart,
  type EscalationNotice,
  type QuestionUpdate,
  type Section,
  type UndoResult,
  type UserQuestion,
  type UserRef,
} from '../common/triage';
import type { ContainmentContext, Ports } from './ports';
import { summariseSignIns } from './sign-ins';

export interface GatherContextRequest {
  workflowId: string;
  user?: UserRef;
  host?: string;
  signInLookbackHours: number;
  /** The attempt on which transient failures stop being retried and are recorded as "unavailable". */
  finalAttempt: number;
}

type PartialEnrichment = Partial<Enrichment>;

function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

function isPermanent(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.nonRetryable === true;
}

function retryDelayOf(err: unknown): number | undefined {
  if (err instanceof ApplicationFailure && err.nextRetryDelay !== undefined) {
    const delay = err.nextRetryDelay;
    return typeof delay === 'number' ? delay : undefined;
  }
  return undefined;
}

export interface ContainmentBatch {
  requests: ContainmentRequest[];
  /** The attempt on which transient failures stop being retried and are recorded as failed. */
  finalAttempt: number;
}

/** What an attempt has achieved so far; kept in the heartbeat so a retry (or a new worker) resumes from it. */
interface BatchProgress<R> {
  preState: Record<string, unknown>;
  done: Record<string, R>;
}

/**
 * Runs one containment step per request, each through its own `ContainmentContext`, heartbeating the combined progress
 * every 2 s and after every change. A permanent failure is recorded for its action and the others go on; a transient
 * one makes the activity retry, and the retry skips what is already done.
 */
async function runBatch<R>(
  batch: ContainmentBatch,
  options: { parallel: boolean; recordPreStates?: (request: ContainmentRequest) => Promise<boolean> },
  step: (request: ContainmentRequest, context: ContainmentContext) => Promise<R>,
  failed: (request: ContainmentRequest, reason: string) => R,
): Promise<R[]> {
  const ctx = Context.current();
  const progress = (ctx.info.heartbeatDetails as BatchProgress<R> | undefined) ?? { preState: {}, done: {} };
  const finalAttempt = ctx.info.attempt >= batch.finalAttempt;
  const send = () => ctx.heartbeat(progress);
  const timer = setInterval(send, 2_000);
  let transient: unknown;

  if (options.recordPreStates) {
    const missing = batch.requests.filter(
      (r) => progress.preState[r.action] === undefined && progress.done[r.action] === undefined,
    );
    await Promise.all(
      missing.map(async (request) => {
        try {
          progress.preState[request.action] = { inPlaceBefore: await options.recordPreStates!(request) };
        } catch {
          /* the action itself will meet and report the same failure */
        }
      }),
    );
    // The first heartbeat of an attempt is sent at once: every pre-state is on the server before any action runs.
    if (missing.length) send();
  }

  const runOne = async (request: ContainmentRequest) => {
    if (progress.done[request.action] !== undefined) return;
    const context: ContainmentContext = {
      heartbeat: (details) => {
        progress.preState[request.action] = details;
        send();
      },
      signal: ctx.cancellationSignal,
      attempt: ctx.info.attempt,
      priorDetails: progress.preState[request.action],
    };
    try {
      progress.done[request.action] = await step(request, context);
      send();
    } catch (err) {
      if (isPermanent(err) || finalAttempt) {
        progress.done[request.action] = failed(request, reasonOf(err));
        send();
      } else if (transient === undefined || (retryDelayOf(err) ?? 0) > (retryDelayOf(transient) ?? 0)) {
        transient = err;
      }
    }
  };

  try {
    if (options.parallel) await Promise.all(batch.requests.map(runOne));
    else for (const request of batch.requests) if (transient === undefined) await runOne(request);
  } finally {
    clearInterval(timer);
  }
  if (transient !== undefined) {
    send();
    throw ApplicationFailure.create({
      message: `will retry: ${reasonOf(transient)}`,
      type: 'ContainmentIncomplete',
      nextRetryDelay: retryDelayOf(transient),
    });
  }
  return batch.requests.map((request) => progress.done[request.action]!);
}

export function createActivities(ports: Ports) {
  const { identity, endpoints, containment, messenger } = ports;

  return {
    /**
     * Gathers every part of the context in parallel. Each part fails on its own: a permanent failure is recorded as
     * "unavailable: <reason>" at once; a transient one is retried (parts already gathered are kept in the heartbeat
     * details, so a retry asks only for what is missing) until the final attempt, which records it as unavailable.
     */
    async gatherContext(request: GatherContextRequest): Promise<Enrichment> {
      const ctx = Context.current();
      const carried = (ctx.info.heartbeatDetails as PartialEnrichment | undefined) ?? {};
      const finalAttempt = ctx.info.attempt >= request.finalAttempt;
      const { user, host } = request;
      const since = new Date(Date.now() - request.signInLookbackHours * 3_600_000).toISOString();

      const noUser: Section<never> = { status: 'not-applicable', reason: 'the alert names no user' };
      const lookups: Record<EnrichmentPart, () => Promise<Section<unknown>>> = {
        profile: async () => (user ? { status: 'ok', data: await identity.userProfile(user) } : noUser),
        groups: async () =>
          user ? { status: 'ok', data: await identity.groupMemberships(user, enrichmentLimits.groups) } : noUser,
        signIns: async () =>
          user ? { status: 'ok', data: summariseSignIns(await identity.signIns(user, since, 200), since) } : noUser,
        devices: async () =>
          user ? { status: 'ok', data: await identity.linkedDevices(user, enrichmentLimits.devices) } : noUser,
        risk: async () => {
          if (!user) return noUser;
          const risk = await identity.riskState(user);
          return {
            status: 'ok',
            data: risk ?? { riskLevel: 'none', riskState: 'none', riskDetail: 'never flagged as risky' },
          };
        },
        host: async () =>
          host
            ? { status: 'ok', data: await endpoints.hostDetails(host) }
            : { status: 'not-applicable', reason: 'the alert names no host' },
      };

      const gathered: PartialEnrichment = { ...carried };
      let transient: { part: EnrichmentPart; err: unknown } | undefined;
      // Slow lookups (paged sign-ins) must not look like a dead worker; the details let a retry keep what arrived.
      const heartbeat = setInterval(() => ctx.heartbeat(gathered), 5_000);
      await Promise.all(
        enrichmentParts
          .filter((part) => gathered[part] === undefined)
          .map(async (part) => {
            try {
              (gathered as Record<string, Section<unknown>>)[part] = await lookups[part]();
            } catch (err) {
              if (isPermanent(err) || finalAttempt) {
                (gathered as Record<string, Section<unknown>>)[part] = { status: 'unavailable', reason: reasonOf(err) };
              } else if (!transient || (retryDelayOf(err) ?? 0) > (retryDelayOf(transient.err) ?? 0)) {
                transient = { part, err };
              }
            }
          }),
      ).finally(() => clearInterval(heartbeat));
      if (transient) {
        ctx.heartbeat(gathered);
        const missing = enrichmentParts.filter((part) => gathered[part] === undefined);
        throw ApplicationFailure.create({
          message: `context still missing (${missing.join(', ')}): ${reasonOf(transient.err)}`,
          type: 'EnrichmentIncomplete',
          nextRetryDelay: retryDelayOf(transient.err),
        });
      }
      return gathered as Enrichment;
    },

    /** Applies every action of a batch in parallel; each checks the world first, so a retry never applies twice. */
    async applyContainment(batch: ContainmentBatch): Promise<ContainmentResult[]> {
      return runBatch<ContainmentResult>(
        batch,
        { parallel: true, recordPreStates: containment.isInPlace?.bind(containment) },
        async (request, context) => ({ action: request.action, ...(await containment.apply(request, context)) }),
        (request, reason) => ({
          action: request.action,
          status: 'failed',
          target: containmentTarget(request),
          detail: reason,
        }),
      );
    },

    /** Undoes in the order given (the workflow passes newest first), one after another. */
    async undoContainment(batch: ContainmentBatch): Promise<UndoResult[]> {
      return runBatch<UndoResult>(
        batch,
        { parallel: false },
        async (request, context) => ({ action: request.action, ...(await containment.undo(request, context)) }),
        (request, reason) => ({ action: request.action, status: 'failed', detail: reason }),
      );
    },

    async askUser(question: UserQuestion): Promise<{ messageRef: string }> {
      return messenger.askUser(question);
    },

    async updateQuestion(update: QuestionUpdate): Promise<void> {
      await messenger.updateQuestion(update);
    },

    async escalate(notice: EscalationNotice): Promise<void> {
      await messenger.escalate(notice);
    },
  };
}

export type TriageActivities = ReturnType<typeof createActivities>;
