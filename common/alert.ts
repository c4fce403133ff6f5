import { z } from 'zod';

/**
 * The one alert model. Every intake adapter produces it; the triage workflow consumes it. Raw SIEM bodies never
 * enter workflow history, only this normalized, bounded shape.
 */

export const alertSources = ['splunk', 'elastic', 'sentinel', 'defender', 'ocsf', 'generic'] as const;
export const severities = ['informational', 'low', 'medium', 'high', 'critical'] as const;

const text = (max: number) => z.string().trim().min(1).max(max);

export const alertEntitiesSchema = z
  .object({
    userPrincipalName: z.string().trim().min(3).max(256).optional(),
    userObjectId: z.string().trim().min(1).max(64).optional(),
    host: text(256).optional(),
    sourceIp: z.union([z.ipv4(), z.ipv6()]).optional(),
  })
  .strict();

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
    description: z.string().max(4000).default(''),
    entities: alertEntitiesSchema.default({}),
  })
  .strict();

export type Alert = z.output<typeof alertSchema>;
export type AlertInput = z.input<typeof alertSchema>;
export type AlertSource = (typeof alertSources)[number];
export type Severity = (typeof severities)[number];
export type AlertEntities = Alert['entities'];

/** Validates and normalizes; throws a `z.ZodError` that names each bad field. */
export function parseAlert(input: unknown): Alert {
  return alertSchema.parse(input);
}

/**
 * The workflow id is the alert's identity (source, sending instance, source alert id), so a redelivered alert reaches
 * the workflow that already exists instead of starting a second one.
 */
export function triageWorkflowId(alert: Pick<Alert, 'source' | 'sourceInstance' | 'sourceAlertId'>): string {
  return ['triage', alert.source, alert.sourceInstance, alert.sourceAlertId].map(encodeURIComponent).join(':');
}

/** "Impossible travel · jdoe · high" — fits the Web UI's 200-byte static summary. */
export function alertSummary(alert: Alert): string {
  const who = alert.entities.userPrincipalName?.split('@')[0] ?? alert.entities.host ?? alert.entities.sourceIp;
  const parts = [alert.ruleName, who, alert.severity].filter(Boolean) as string[];
  let summary = parts.join(' · ');
  while (Buffer.byteLength(summary, 'utf8') > 200) summary = summary.slice(0, -2) + '…';
  return summary;
}
