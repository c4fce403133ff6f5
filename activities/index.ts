import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  enrichmentLimits,
  enrichmentParts,
  type ContainmentOutcome,
  type ContainmentRequest,
  type Enrichment,
  type EnrichmentPart,
  type EscalationNotice,
  type QuestionUpdate,
  type Section,
  type UndoOutcome,
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

/** Runs `work` while heartbeating every few seconds, so a dead worker is noticed within the heartbeat timeout. */
async function withHeartbeat<T>(work: (context: ContainmentContext) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  // Re-send the latest details: a bare heartbeat would overwrite what `checkThenAct` recorded.
  let latest: unknown = ctx.info.heartbeatDetails;
  const timer = setInterval(() => ctx.heartbeat(latest), 2_000);
  try {
    return await work({
      heartbeat: (details) => {
        latest = details;
        ctx.heartbeat(details);
      },
      signal: ctx.cancellationSignal,
      attempt: ctx.info.attempt,
      priorDetails: ctx.info.heartbeatDetails,
    });
  } finally {
    clearInterval(timer);
  }
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
          user
            ? { status: 'ok', data: summariseSignIns(await identity.signIns(user, since, 200), since) }
            : noUser,
        devices: async () =>
          user ? { status: 'ok', data: await identity.linkedDevices(user, enrichmentLimits.devices) } : noUser,
        risk: async () => {
          if (!user) return noUser;
          const risk = await identity.riskState(user);
          return { status: 'ok', data: risk ?? { riskLevel: 'none', riskState: 'none', riskDetail: 'never flagged as risky' } };
        },
        host: async () =>
          host ? { status: 'ok', data: await endpoints.hostDetails(host) } : { status: 'not-applicable', reason: 'the alert names no host' },
      };

      const gathered: PartialEnrichment = { ...carried };
      let transient: { part: EnrichmentPart; err: unknown } | undefined;
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
      );
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

    async applyContainment(request: ContainmentRequest): Promise<ContainmentOutcome> {
      return withHeartbeat((context) => containment.apply(request, context));
    },

    async undoContainment(request: ContainmentRequest): Promise<UndoOutcome> {
      return withHeartbeat((context) => containment.undo(request, context));
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
