import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The one alert model. Every intake adapter produces it; the triage workflow consumes it. Raw SIEM bodies never
 * enter workflow history, only this normalized, bounded shape.
 */

export const alertSources = ['splunk', 'elastic', 'sentinel', 'defender', 'ocsf', 'generic', 'posture'] as const;
export const severities = ['informational', 'low', 'medium', 'high', 'critical'] as const;

/** A UTF-16 surrogate that is not half of a pair: JSON can carry one (`"\\ud800"`), UTF-8 and Temporal cannot. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
export const isWellFormed = (value: string): boolean => !LONE_SURROGATE.test(value);
const wellFormed = <T extends z.ZodString>(schema: T) =>
  schema.refine(isWellFormed, { message: 'is not valid Unicode (it holds a lone UTF-16 surrogate)' });

const text = (max: number) => wellFormed(z.string().trim().min(1).max(max));

export const alertEntitiesSchema = z
  .object({
    userPrincipalName: wellFormed(z.string().trim().min(3).max(256)).optional(),
    userObjectId: wellFormed(z.string().trim().min(1).max(64)).optional(),
    host: text(256).optional(),
    sourceIp: z.union([z.ipv4(), z.ipv6()]).optional(),
  })
  .strict();

/**
 * An ARM incident id as Sentinel's trigger body gives it (`object.id`): only that shape is ever written to. No segment
 * may be "." or ".." or hold "%", "?" or "#": once in a URL, those would address another resource.
 */
const SENTINEL_INCIDENT_ID =
  /^\/subscriptions\/(?!\.{1,2}(?:\/|$))[^/%?#]+\/resourceGroups\/(?!\.{1,2}(?:\/|$))[^/%?#]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/(?!\.{1,2}(?:\/|$))[^/%?#]+\/providers\/Microsoft\.SecurityInsights\/Incidents\/(?!\.{1,2}(?:\/|$))[^/%?#]+$/i;

/**
 * Where the alert lives in its source, as write-back needs it (SIEM write-back, README): the ids, never a raw body.
 * A Kibana URL is kept for the analyst's reference; write-back sends its API key only to the configured Kibana.
 */
export const alertOriginSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('sentinel'),
      incidentArmId: text(1024).regex(SENTINEL_INCIDENT_ID, "must be the incident's full ARM id"),
    })
    .strict(),
  z.object({ kind: z.literal('splunk'), notableEventId: text(512) }).strict(),
  z
    .object({
      kind: z.literal('elastic'),
      kibanaAlertIds: z.array(text(256)).min(1).max(100),
      space: text(100).regex(/^[a-z0-9_-]+$/, 'must be a Kibana space id'),
      kibanaUrl: text(1024).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('defender'), defenderAlertId: text(256) }).strict(),
]);

export const alertSchema = z
  .object({
    source: z.enum(alertSources),
    /** The sending SIEM instance or tenant: two Splunks may both have a sid "123". */
    sourceInstance: text(200).default('default'),
    sourceAlertId: text(512),
    ruleId: text(256),
    ruleName: text(256),
    severity: z.enum(severities),
    detectedAt: z.iso.datetime({ offset: true }),
    title: text(500),
    description: wellFormed(z.string().max(4000)).default(''),
    entities: alertEntitiesSchema.default({}),
    origin: alertOriginSchema.optional(),
  })
  .strict();

export type Alert = z.output<typeof alertSchema>;
export type AlertInput = z.input<typeof alertSchema>;
export type AlertSource = (typeof alertSources)[number];
export type Severity = (typeof severities)[number];
export type AlertEntities = Alert['entities'];
export type AlertOrigin = z.output<typeof alertOriginSchema>;

/** Validates and normalizes; throws a `z.ZodError` that names each bad field. */
export function parseAlert(input: unknown): Alert {
  return alertSchema.parse(input);
}

/** Workflow ids longer than this (in bytes; Temporal refuses more than 1000) become a readable prefix plus a hash. */
export const MAX_WORKFLOW_ID_BYTES = 512;
const HASH_MARK = '~sha256:';

/**
 * The workflow id is the alert's identity (source, sending instance, source alert id), so a redelivered alert reaches
 * the workflow that already exists instead of starting a second one. Any id maps to a valid one: ids that fit keep
 * their readable form; longer ones keep a readable prefix and end in a hash of the whole identity, so they stay stable
 * and distinct.
 */
export function triageWorkflowId(alert: Pick<Alert, 'source' | 'sourceInstance' | 'sourceAlertId'>): string {
  const parts = ['triage', alert.source, alert.sourceInstance, alert.sourceAlertId].map((part) =>
    // The model refuses lone surrogates; replacing them here keeps this function total for any caller.
    encodeURIComponent(part.replace(/[\uD800-\uDFFF]/gu, '\uFFFD')),
  );
  const id = parts.join(':');
  if (id.length <= MAX_WORKFLOW_ID_BYTES) return id;
  const hash = createHash('sha256').update(id).digest('hex');
  const prefix = id.slice(0, MAX_WORKFLOW_ID_BYTES - HASH_MARK.length - hash.length).replace(/%[0-9A-F]?$/, '');
  return `${prefix}${HASH_MARK}${hash}`;
}

/** "Impossible travel · jdoe · high" — fits the Web UI's 200-byte static summary. */
export function alertSummary(alert: Alert): string {
  const who = alert.entities.userPrincipalName?.split('@')[0] ?? alert.entities.host ?? alert.entities.sourceIp;
  const parts = [alert.ruleName, who, alert.severity].filter(Boolean) as string[];
  let summary = parts.join(' · ');
  while (Buffer.byteLength(summary, 'utf8') > 200) summary = summary.slice(0, -2) + '…';
  return summary;
}
