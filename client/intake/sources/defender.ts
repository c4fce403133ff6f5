import { z } from 'zod';
import type { Disposition } from '../../../common/triage';
import {
  closureOf,
  finishAlert,
  instanceOf,
  splitArrayEnvelope,
  type DeliveryKind,
  type NormalizeContext,
  type SourceAdapter,
} from './adapter';
import {
  alertIdOf,
  clip,
  defaultSeverity,
  entitiesOf,
  firstIp,
  fromIsoTime,
  isGuid,
  optionalText,
  severityFromWord,
  userPrincipalNameOf,
  requiredAs,
} from './fields';

/**
 * Microsoft Defender XDR alerts as Graph `GET /security/alerts_v2` returns them (pulled by the Defender poll
 * workflow, not pushed). The alert `id` is the identity within the tenant; a resolved alert closes its case, with its
 * `classification` as the verdict and `assignedTo` as the one who resolved it.
 */

const evidenceSchema = z.object({
  '@odata.type': optionalText,
  roles: z.array(z.string()).nullish(),
  userAccount: z
    .object({
      accountName: optionalText,
      domainName: optionalText,
      userPrincipalName: optionalText,
      azureAdUserId: optionalText,
    })
    .nullish(),
  deviceDnsName: optionalText,
  hostName: optionalText,
  ipAddress: optionalText,
});

const graphAlertSchema = z.object({
  id: z
    .string({ error: requiredAs('a string') })
    .trim()
    .min(1, 'must not be empty'),
  tenantId: optionalText,
  status: optionalText,
  classification: optionalText,
  assignedTo: optionalText,
  severity: optionalText,
  detectorId: optionalText,
  title: optionalText,
  description: optionalText,
  createdDateTime: optionalText,
  firstActivityDateTime: optionalText,
  evidence: z.array(evidenceSchema).nullish(),
});

type GraphAlert = z.output<typeof graphAlertSchema>;
type Evidence = z.output<typeof evidenceSchema>;

const ofType = (evidence: Evidence[], type: string) =>
  evidence.filter((e) => e['@odata.type']?.toLowerCase().endsWith(`.${type.toLowerCase()}`));

function normalizeDefender(alert: GraphAlert, ctx: z.RefinementCtx, context: NormalizeContext) {
  const evidence = alert.evidence ?? [];
  const ruleId = alert.detectorId ?? alert.title;
  if (!ruleId) ctx.addIssue({ code: 'custom', path: ['detectorId'], message: 'is required (or title)' });
  const detectedAt = fromIsoTime(alert.createdDateTime) ?? fromIsoTime(alert.firstActivityDateTime);
  if (!detectedAt)
    ctx.addIssue({ code: 'custom', path: ['createdDateTime'], message: 'is required as an ISO 8601 time' });
  const account = ofType(evidence, 'userEvidence')[0]?.userAccount ?? undefined;
  const device = ofType(evidence, 'deviceEvidence')[0];
  const ips = ofType(evidence, 'ipEvidence').sort(
    (a, b) => Number(b.roles?.includes('attacker') ?? false) - Number(a.roles?.includes('attacker') ?? false),
  );
  return finishAlert(
    {
      source: 'defender',
      sourceInstance: instanceOf(context, alert.tenantId),
      sourceAlertId: alertIdOf(alert.id),
      ruleId: clip(ruleId, 256) ?? 'unknown',
      ruleName: clip(alert.title ?? ruleId, 256) ?? 'unknown',
      severity: severityFromWord(alert.severity) ?? defaultSeverity,
      detectedAt: detectedAt ?? new Date(0).toISOString(),
      title: clip(alert.title ?? ruleId, 500) ?? 'Defender XDR alert',
      description: clip(alert.description, 4000) ?? '',
      entities: entitiesOf({
        userPrincipalName: userPrincipalNameOf(account?.userPrincipalName ?? account?.accountName, context.upnSuffix),
        userObjectId: isGuid(account?.azureAdUserId) ? account?.azureAdUserId : undefined,
        host: device?.deviceDnsName ?? device?.hostName,
        sourceIp: firstIp(...ips.map((e) => e.ipAddress)),
      }),
      ...(alert.id.length <= 256 ? { origin: { kind: 'defender' as const, defenderAlertId: alert.id } } : {}),
    },
    ctx,
    { sourceAlertId: 'id', ruleId: 'detectorId', title: 'title' },
  );
}

function kindOf(alert: GraphAlert): DeliveryKind {
  return alert.status?.toLowerCase() === 'resolved' ? 'close' : 'create';
}

const dispositions: Record<string, Disposition> = {
  truepositive: 'true-positive',
  informationalexpectedactivity: 'benign-positive',
  falsepositive: 'false-positive',
  unknown: 'undetermined',
};

export const defender: SourceAdapter = {
  source: 'defender',
  split: (documents) => splitArrayEnvelope(documents, 'value'),
  normalize(item, context) {
    return graphAlertSchema
      .transform((alert, ctx) => {
        const kind = kindOf(alert);
        const normalized = normalizeDefender(alert, ctx, context);
        if (kind !== 'close') return { kind, alert: normalized };
        const closure = closureOf(dispositions[alert.classification?.toLowerCase() ?? ''], alert.assignedTo);
        return { kind, alert: normalized, closure };
      })
      .parse(item);
  },
};
