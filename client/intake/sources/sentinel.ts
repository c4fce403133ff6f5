import { z } from 'zod';
import { alertOriginSchema } from '../../../common/alert';
import type { Disposition } from '../../../common/triage';
import {
  closureOf,
  finishAlert,
  instanceOf,
  splitArrayEnvelope,
  type DeliveryKind,
  type NormalizeContext,
  type SourceAdapter,
  type SourceClosure,
} from './adapter';
import {
  alertIdOf,
  clip,
  defaultSeverity,
  entitiesOf,
  firstIp,
  fromIsoTime,
  hostNameOf,
  isGuid,
  optionalText,
  severityFromWord,
  userPrincipalNameOf,
  requiredAs,
} from './fields';

/**
 * Microsoft Sentinel: an automation rule runs a Logic App whose HTTP action posts the incident trigger body. The
 * incident GUID (`object.name`) is the identity; `objectEventType` Update is the same incident again (a signal to its
 * case), and an incident whose status is Closed closes it, with its classification as the verdict and its owner as
 * the one who closed it.
 */

const record = z.record(z.string(), z.unknown()).nullish();

const sentinelSchema = z.object({
  objectSchemaType: optionalText.refine((type) => type === undefined || type.toLowerCase() === 'incident', {
    message: 'must be "Incident": only the incident trigger is supported',
  }),
  objectEventType: z
    .string({ error: requiredAs('"Create" or "Update"', 'is required ("Create" or "Update")') })
    .refine((type) => ['create', 'update'].includes(type.toLowerCase()), { message: 'must be "Create" or "Update"' }),
  workspaceId: optionalText,
  workspaceInfo: z.object({ WorkspaceName: optionalText }).nullish(),
  object: z.object({
    /** The incident's full ARM id: where write-back sends its update. */
    id: optionalText,
    name: z
      .string({ error: requiredAs('a string', 'is required (the incident id)') })
      .trim()
      .min(1, 'must not be empty'),
    properties: z.object({
      title: optionalText,
      description: optionalText,
      severity: optionalText,
      status: optionalText,
      classification: optionalText,
      owner: z.object({ userPrincipalName: optionalText, email: optionalText, assignedTo: optionalText }).nullish(),
      createdTimeUtc: optionalText,
      firstActivityTimeUtc: optionalText,
      relatedAnalyticRuleIds: z.array(z.string()).nullish(),
      alerts: z
        .array(
          z.object({
            properties: z
              .object({ alertDisplayName: optionalText, alertType: optionalText, additionalData: record })
              .nullish(),
          }),
        )
        .nullish(),
      relatedEntities: z.array(z.object({ kind: optionalText, properties: record })).nullish(),
    }),
  }),
});

type Incident = z.output<typeof sentinelSchema>;
type Entity = NonNullable<Incident['object']['properties']['relatedEntities']>[number];

const text = (value: unknown) => optionalText.safeParse(value).data;
const lastSegment = (id: string | undefined) => id?.split('/').filter(Boolean).pop();

function entity(entities: Entity[], kind: string): Record<string, unknown> | undefined {
  return entities.find((e) => e.kind?.toLowerCase() === kind.toLowerCase() && e.properties)?.properties ?? undefined;
}

/** "Analytic Rule Ids" in an alert's additional data is a JSON array in a string. */
function analyticRuleIdOf(additionalData: Record<string, unknown> | null | undefined): string | undefined {
  const raw = text(additionalData?.['Analytic Rule Ids']);
  if (!raw) return undefined;
  try {
    const ids = JSON.parse(raw) as unknown;
    return Array.isArray(ids) ? text(ids[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Write-back's address of the incident; an id that is not an incident's ARM id is left out, not refused. */
function originOf(armId: string | undefined) {
  if (!armId) return {};
  const origin = { kind: 'sentinel' as const, incidentArmId: armId };
  return alertOriginSchema.safeParse(origin).success ? { origin } : {};
}

function kindOf(incident: Incident): DeliveryKind {
  if (incident.object.properties.status?.toLowerCase() === 'closed') return 'close';
  return incident.objectEventType.toLowerCase() === 'create' ? 'create' : 'update';
}

const dispositions: Record<string, Disposition> = {
  truepositive: 'true-positive',
  benignpositive: 'benign-positive',
  falsepositive: 'false-positive',
  undetermined: 'undetermined',
};

function closureOfIncident(incident: Incident): SourceClosure {
  const { classification, owner } = incident.object.properties;
  return closureOf(
    dispositions[classification?.toLowerCase() ?? ''],
    owner?.userPrincipalName ?? owner?.email ?? owner?.assignedTo,
  );
}

function normalizeSentinel(incident: Incident, ctx: z.RefinementCtx, context: NormalizeContext) {
  const props = incident.object.properties;
  const firstAlert = props.alerts?.[0]?.properties ?? undefined;
  const ruleId =
    lastSegment(props.relatedAnalyticRuleIds?.[0]) ??
    analyticRuleIdOf(firstAlert?.additionalData) ??
    firstAlert?.alertType ??
    props.title;
  if (!ruleId)
    ctx.addIssue({
      code: 'custom',
      path: ['object', 'properties', 'relatedAnalyticRuleIds'],
      message: 'is required (or a title)',
    });
  const detectedAt = fromIsoTime(props.createdTimeUtc) ?? fromIsoTime(props.firstActivityTimeUtc);
  if (!detectedAt)
    ctx.addIssue({
      code: 'custom',
      path: ['object', 'properties', 'createdTimeUtc'],
      message: 'is required as an ISO 8601 time',
    });

  const entities = props.relatedEntities ?? [];
  const account = entity(entities, 'Account');
  const host = entity(entities, 'Host');
  const ips = entities.filter((e) => e.kind?.toLowerCase() === 'ip').map((e) => text(e.properties?.address));
  const ruleName =
    firstAlert?.alertDisplayName ?? text(firstAlert?.additionalData?.['Analytic Rule Name']) ?? props.title ?? ruleId;
  return finishAlert(
    {
      source: 'sentinel',
      sourceInstance: instanceOf(context, incident.workspaceId, incident.workspaceInfo?.WorkspaceName),
      sourceAlertId: alertIdOf(incident.object.name),
      ruleId: clip(ruleId, 256) ?? 'unknown',
      ruleName: clip(ruleName, 256) ?? 'unknown',
      severity: severityFromWord(props.severity) ?? defaultSeverity,
      detectedAt: detectedAt ?? new Date(0).toISOString(),
      title: clip(props.title ?? ruleName, 500) ?? 'Sentinel incident',
      description: clip(props.description, 4000) ?? '',
      entities: entitiesOf({
        userPrincipalName: userPrincipalNameOf(text(account?.accountName), context.upnSuffix, text(account?.upnSuffix)),
        userObjectId: isGuid(text(account?.aadUserId)) ? text(account?.aadUserId) : undefined,
        host: hostNameOf(text(host?.hostName), text(host?.dnsDomain)),
        sourceIp: firstIp(...ips),
      }),
      ...originOf(incident.object.id),
    },
    ctx,
    {
      sourceAlertId: 'object.name',
      ruleId: 'object.properties.relatedAnalyticRuleIds',
      title: 'object.properties.title',
    },
  );
}

export const sentinel: SourceAdapter = {
  source: 'sentinel',
  split: (documents) => splitArrayEnvelope(documents, 'incidents'),
  normalize(item, context) {
    return sentinelSchema
      .transform((incident, ctx) => {
        const kind = kindOf(incident);
        const alert = normalizeSentinel(incident, ctx, context);
        return kind === 'close' ? { kind, alert, closure: closureOfIncident(incident) } : { kind, alert };
      })
      .parse(item);
  },
};
