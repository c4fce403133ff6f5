import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { RangeEdit, RangeEditResult } from '../common/named-location';
import {
  containmentTarget,
  enrichmentLimits,
  enrichmentParts,
  type ContainmentResult,
  type Enrichment,
  type EnrichmentPart,
  type CaseCardUpdate,
  type DeliveredQuestion,
  type EscalationNotice,
  type PostedEscalation,
  type PriorState,
  type QuestionReminder,
  type QuestionUpdate,
  type Section,
  type UndoResult,
  type UserQuestion,
  type UserRef,
} from '../common/triage';
import type { WriteBackRequest, WriteBackResult } from '../common/write-back';
import { isPermanent, longerWait, reasonOf, retryDelayOf, runBatch, type Batch } from './batch';
import type { Ports } from './ports';
import { summariseSignIns } from './sign-ins';
import { createExerciseActivities } from './exercise';

export type ContainmentBatch = Batch;

export interface GatherContextRequest {
  workflowId: string;
  user?: UserRef;
  host?: string;
  signInLookbackHours: number;
  /** The attempt on which transient failures stop being retried and are recorded as "unavailable". */
  finalAttempt: number;
}

type PartialEnrichment = Partial<Enrichment>;

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
              } else if (longerWait(transient?.err, err) === err) {
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

    /** Reads whether each planned action's effect is in place, before any acts: the result goes into history. */
    async readContainmentState(batch: ContainmentBatch): Promise<PriorState[]> {
      return runBatch<PriorState>(
        batch,
        { parallel: true, type: 'PriorStateIncomplete' },
        async (request) => ({ action: request.action, inPlace: await containment.isInPlace(request) }),
        (request, reason) => ({ action: request.action, failed: reason }),
      );
    },

    /** Applies every action of a batch in parallel; each checks the world first, so a retry never applies twice. */
    async applyContainment(batch: ContainmentBatch): Promise<ContainmentResult[]> {
      return runBatch<ContainmentResult>(
        batch,
        { parallel: true, type: 'ContainmentIncomplete' },
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
        { parallel: false, type: 'UndoIncomplete' },
        async (request, context) => ({ action: request.action, ...(await containment.undo(request, context)) }),
        (request, reason) => ({ action: request.action, status: 'failed', detail: reason }),
      );
    },

    async askUser(question: UserQuestion): Promise<DeliveredQuestion> {
      return messenger.askUser(question);
    },

    async remindUser(reminder: QuestionReminder): Promise<void> {
      await messenger.remindUser(reminder);
    },

    async updateQuestion(update: QuestionUpdate): Promise<void> {
      await messenger.updateQuestion(update);
    },

    async escalate(notice: EscalationNotice): Promise<PostedEscalation> {
      return (await messenger.escalate(notice)) ?? {};
    },

    async updateCaseCard(update: CaseCardUpdate): Promise<void> {
      await messenger.updateCaseCard(update);
    },

    /** Writes one transition of the case back to the alert's source (activities/write-back/). */
    async writeBackToSource(request: WriteBackRequest): Promise<WriteBackResult> {
      if (!ports.writeBack)
        return { status: 'not-configured', detail: `write-back to ${request.source} not configured` };
      return ports.writeBack.write(request);
    },

    /** The named-location writer's one read-modify-write (see workflows/named-location). */
    async applyNamedLocationEdits(locationId: string, edits: RangeEdit[]): Promise<RangeEditResult[]> {
      if (!ports.namedLocations) {
        throw ApplicationFailure.nonRetryable(
          `no named location can be edited here (${locationId}): the worker has no Microsoft Graph containment`,
          'NotConfigured',
        );
      }
      return ports.namedLocations.applyEdits(edits);
    },

    ...createExerciseActivities(),
  };
}

export type TriageActivities = ReturnType<typeof createActivities>;
export type NamedLocationActivities = Pick<TriageActivities, 'applyNamedLocationEdits'>;
