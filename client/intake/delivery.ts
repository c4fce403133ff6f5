import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { triageWorkflowId } from '../../common/alert';
import type { AlertDispatcher, AlertOutcome } from './dispatch';
import { IntakeHttpError, problemsOf, summarize, type Problem, type RejectionReason } from './errors';
import type { IntakeMetrics } from './metrics';
import type { NormalizeContext, NormalizedAlert, SourceAdapter } from './sources';
import { temporalHttpError } from './temporal-errors';

/**
 * One delivery: split into alerts, normalize each, hand the valid ones to Temporal concurrently, and answer with one
 * result per alert. The HTTP status is chosen so that a sender's usual retry rule (retry 5xx and 429) never loses an
 * alert and never retries an unreadable one:
 *  - 503 / 429 + Retry-After if any alert could not be handed to Temporal (the ones that were come back as duplicates);
 *  - 422 if no alert could be read; 207 if some could not (the others were accepted). An alert Temporal refuses as
 *    invalid, or one the intake fails on, is unreadable on its own: the rest of the delivery keeps its outcome;
 *  - 202 if something was accepted; 200 if every alert was a duplicate (or a close of an unknown alert).
 */

export interface AlertResult {
  index: number;
  outcome: AlertOutcome | 'rejected' | 'failed';
  sourceAlertId?: string;
  workflowId?: string;
  error?: RejectionReason;
  message?: string;
  problems?: Problem[];
}

export interface DeliveryAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export interface DeliveryOptions {
  adapter: SourceAdapter;
  documents: unknown[];
  context: Omit<NormalizeContext, 'envelope'>;
  dispatcher: AlertDispatcher;
  maxAlerts: number;
  retryAfterSeconds: number;
  metrics: IntakeMetrics;
  log: FastifyBaseLogger;
  receivedAt?: Date;
}

type Normalized = { index: number; item: NormalizedAlert } | { index: number; rejected: AlertResult };

function normalizeEach(
  adapter: SourceAdapter,
  items: unknown[],
  context: NormalizeContext,
  log: FastifyBaseLogger,
): Normalized[] {
  return items.map((raw, index) => {
    try {
      return { index, item: adapter.normalize(raw, context) };
    } catch (err) {
      if (!(err instanceof z.ZodError))
        log.error({ err, index }, 'normalizer failed on an alert; answering it as unreadable');
      const problems =
        err instanceof z.ZodError
          ? problemsOf(err)
          : [{ path: '', message: 'could not be read as an alert of this source' }];
      return {
        index,
        rejected: { index, outcome: 'rejected', error: 'invalid_alert', message: summarize(problems), problems },
      };
    }
  });
}

export async function processDelivery(options: DeliveryOptions): Promise<DeliveryAnswer> {
  const { adapter, documents, dispatcher, metrics, log, retryAfterSeconds } = options;
  const source = adapter.source;
  const receivedAt = options.receivedAt ?? new Date();

  let split: ReturnType<SourceAdapter['split']>;
  try {
    split = adapter.split(documents);
  } catch (err) {
    if (err instanceof z.ZodError)
      throw new IntakeHttpError(422, 'invalid_request', summarize(problemsOf(err)), problemsOf(err));
    throw err;
  }
  const { items, envelope } = split;
  if (items.length === 0) throw new IntakeHttpError(422, 'invalid_request', 'the delivery holds no alerts');
  if (items.length > options.maxAlerts) {
    throw new IntakeHttpError(
      413,
      'too_many_alerts',
      `the delivery holds ${items.length} alerts; send at most ${options.maxAlerts} per request`,
    );
  }

  const normalized = normalizeEach(adapter, items, { ...options.context, envelope }, log);
  const results = await Promise.all(
    normalized.map(async (entry): Promise<AlertResult> => {
      if ('rejected' in entry) {
        metrics.reject(source, 'invalid_alert');
        log.warn({ source, index: entry.index, problems: entry.rejected.problems }, 'alert rejected');
        return entry.rejected;
      }
      const { alert } = entry.item;
      const base = { index: entry.index, sourceAlertId: alert.sourceAlertId };
      try {
        const { outcome, workflowId } = await dispatcher.dispatch(entry.item, receivedAt);
        metrics.alert(source, outcome);
        log.info(
          {
            alertId: workflowId,
            source,
            sourceAlertId: alert.sourceAlertId,
            ruleId: alert.ruleId,
            kind: entry.item.kind,
            outcome,
          },
          `alert ${outcome}`,
        );
        return { ...base, outcome, workflowId };
      } catch (err) {
        const failure = temporalHttpError(err, retryAfterSeconds);
        if (!failure || failure.statusCode === 422) {
          // Retrying cannot help: refuse this alert alone, so the rest of the delivery keeps its outcome.
          if (!failure)
            log.error({ err, index: entry.index }, 'dispatch failed on an alert; answering it as unreadable');
          metrics.reject(source, 'invalid_alert');
          const message = failure?.message ?? 'could not be handed to triage; the intake logged why';
          return { ...base, outcome: 'rejected', error: 'invalid_alert', message, problems: [{ path: '', message }] };
        }
        metrics.reject(source, failure.code);
        log.warn(
          { alertId: triageWorkflowId(alert), source, reason: failure.code, err },
          'alert not handed to Temporal',
        );
        return { ...base, outcome: 'failed', error: failure.code, message: failure.message };
      }
    }),
  );
  return answer(results, retryAfterSeconds);
}

function answer(results: AlertResult[], retryAfterSeconds: number): DeliveryAnswer {
  const count = (...outcomes: AlertResult['outcome'][]) => results.filter((r) => outcomes.includes(r.outcome)).length;
  const tally = {
    accepted: count('started', 'related', 'updated', 'closed'),
    duplicates: count('duplicate'),
    ignored: count('ignored'),
    rejected: count('rejected'),
    failed: count('failed'),
  };
  const failed = results.filter((r) => r.outcome === 'failed');
  if (failed.length > 0) {
    const unavailable = failed.find((r) => r.error !== 'temporal_overloaded' && r.error !== 'intake_overloaded');
    const first = unavailable ?? failed[0]!;
    return {
      statusCode: unavailable ? 503 : 429,
      headers: { 'Retry-After': String(retryAfterSeconds) },
      body: {
        status: unavailable ? 'unavailable' : 'overloaded',
        error: first.error,
        message: first.message,
        ...tally,
        results,
      },
    };
  }
  if (tally.rejected === results.length) {
    const problems = results.flatMap((r) =>
      (r.problems ?? []).map((p) => ({
        path: results.length > 1 ? `[${r.index}]${p.path ? `.${p.path}` : ''}` : p.path,
        message: p.message,
      })),
    );
    return {
      statusCode: 422,
      headers: {},
      body: {
        status: 'rejected',
        error: 'invalid_alert',
        message: summarize(problems),
        problems: problems.slice(0, 50),
        ...tally,
        results,
      },
    };
  }
  if (tally.rejected > 0) return { statusCode: 207, headers: {}, body: { status: 'partial', ...tally, results } };
  if (tally.accepted > 0) return { statusCode: 202, headers: {}, body: { status: 'accepted', ...tally, results } };
  return {
    statusCode: 200,
    headers: {},
    body: { status: tally.duplicates > 0 ? 'duplicate' : 'ignored', ...tally, results },
  };
}
