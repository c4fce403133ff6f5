import { createHash } from 'node:crypto';
import { z } from 'zod';
import { alertSchema, isWellFormed, type Alert, type AlertInput, type AlertSource } from '../../../common/alert';
import type { Disposition } from '../../../common/triage';

/** What every source normalizer implements: split a delivery into alerts, and turn one into the alert model. */

/** `update` and `close` concern an alert the source sent before; `create` is a new alert (or a redelivery of one). */
export type DeliveryKind = 'create' | 'update' | 'close';

export interface NormalizedAlert {
  kind: DeliveryKind;
  alert: Alert;
  /** A close only: the source's verdict (`undetermined` when it gives none) and who closed it there. */
  closure?: SourceClosure;
}

export interface SourceClosure {
  disposition: Disposition;
  closedBy?: string;
}

/** A close as the case records it; a closer's name the model could not hold is left out. */
export function closureOf(disposition: Disposition | undefined, closedBy: string | undefined): SourceClosure {
  const by = closedBy?.trim();
  const usable = by && by.length <= 256 && isWellFormed(by) ? by : undefined;
  return { disposition: disposition ?? 'undetermined', ...(usable ? { closedBy: usable } : {}) };
}

export interface NormalizeContext {
  /** Domain for bare account names (`jdoe` → `jdoe@<suffix>`), from SOC_INTAKE_UPN_SUFFIX. */
  upnSuffix?: string;
  /** The sending instance named by the delivery URL (`?instance=`); wins over one derived from the body. */
  instance?: string;
  /** Fields of the delivery envelope that its alerts share (Kibana's `kibana_base_url`, …). */
  envelope?: Record<string, unknown>;
}

export interface SourceAdapter {
  source: AlertSource;
  /**
   * The alerts one delivery carries. `documents` holds one parsed JSON value, or one per NDJSON line. Throws a
   * `z.ZodError` (or returns no items) when the envelope itself cannot be read.
   */
  split(documents: unknown[]): { items: unknown[]; envelope?: Record<string, unknown> };
  /** One alert in the model, or a `z.ZodError` whose paths name the source's own fields. */
  normalize(item: unknown, context: NormalizeContext): NormalizedAlert;
}

/** Splits the usual envelopes: a single object, an array, or an object holding an array under `key`. */
export function splitArrayEnvelope(
  documents: unknown[],
  key: string,
): { items: unknown[]; envelope?: Record<string, unknown> } {
  if (documents.length !== 1) return { items: documents };
  const [document] = documents;
  if (Array.isArray(document)) return { items: document };
  if (document && typeof document === 'object' && Array.isArray((document as Record<string, unknown>)[key])) {
    const { [key]: items, ...envelope } = document as Record<string, unknown>;
    return { items: items as unknown[], envelope };
  }
  return { items: [document] };
}

/**
 * Validates the assembled alert against the model inside a zod transform, so a value the model refuses is reported
 * with the source field it came from (`from`) instead of failing later.
 */
export function finishAlert(
  input: AlertInput,
  ctx: z.RefinementCtx,
  from: Partial<Record<keyof AlertInput, string>>,
): Alert {
  const parsed = alertSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as keyof AlertInput | undefined;
    const origin = field ? from[field] : undefined;
    ctx.addIssue({
      code: 'custom',
      path: origin ? origin.split('.') : issue.path.map(String),
      message: origin ? `${issue.message} (as the alert's ${String(field)})` : issue.message,
    });
  }
  return z.NEVER;
}

/** The instance from the URL, else the one derived from the body, else "default". */
export function instanceOf(context: NormalizeContext, ...derived: (string | undefined)[]): string {
  const instance = context.instance ?? derived.find((value) => value && value.trim())?.trim() ?? 'default';
  return instance.length <= 200 ? instance : `sha256:${createHash('sha256').update(instance).digest('hex')}`;
}
