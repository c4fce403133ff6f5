import { z } from 'zod';
import type { Severity } from '../../../common/alert';
import {
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
  fromEpochMillis,
  hostNameOf,
  isGuid,
  optionalText,
  severityFromWord,
  userPrincipalNameOf,
  requiredAs,
} from './fields';

/**
 * OCSF 1.8 Detection Finding (class_uid 2004), one per JSON body, a JSON array, or one per NDJSON line. The finding
 * uid is the identity; `activity_id` 2 (Update) and 3 (Close) concern a finding sent before. `time` is epoch
 * milliseconds.
 */

const DETECTION_FINDING = 2004;

const user = z
  .object({ name: optionalText, email_addr: optionalText, uid: optionalText, domain: optionalText })
  .nullish();
const endpoint = z.object({ ip: optionalText, hostname: optionalText }).nullish();

const ocsfSchema = z.object({
  class_uid: z
    .number({
      error: requiredAs(
        `the number ${DETECTION_FINDING}`,
        `is required (${DETECTION_FINDING} for a Detection Finding)`,
      ),
    })
    .refine((uid) => uid === DETECTION_FINDING, {
      message: `must be ${DETECTION_FINDING} (Detection Finding)`,
    }),
  activity_id: z.number({ error: 'must be a number (1 Create, 2 Update, 3 Close)' }).int().optional(),
  severity_id: z.number({ error: 'must be a number from 0 to 6 or 99' }).int().optional(),
  severity: optionalText,
  time: z.number({ error: requiredAs('epoch milliseconds (a number)', 'is required, in epoch milliseconds') }),
  message: optionalText,
  metadata: z
    .object({ tenant_uid: optionalText, product: z.object({ uid: optionalText, name: optionalText }).nullish() })
    .nullish(),
  finding_info: z.object({
    uid: z
      .string({ error: requiredAs('a string', 'is required (the finding id)') })
      .trim()
      .min(1, 'must not be empty'),
    title: optionalText,
    desc: optionalText,
    analytic: z.object({ uid: optionalText, name: optionalText }).nullish(),
  }),
  actor: z.object({ user }).nullish(),
  device: z.object({ hostname: optionalText, name: optionalText, domain: optionalText }).nullish(),
  src_endpoint: endpoint,
  evidences: z.array(z.object({ src_endpoint: endpoint, user }).nullish()).nullish(),
});

type Finding = z.output<typeof ocsfSchema>;

const severityById: Record<number, Severity> = {
  1: 'informational',
  2: 'low',
  3: 'medium',
  4: 'high',
  5: 'critical',
  6: 'critical',
};

function kindOf(finding: Finding): DeliveryKind {
  if (finding.activity_id === 2) return 'update';
  if (finding.activity_id === 3) return 'close';
  return 'create';
}

function normalizeOcsf(finding: Finding, ctx: z.RefinementCtx, context: NormalizeContext) {
  const info = finding.finding_info;
  const detectedAt = fromEpochMillis(finding.time);
  if (!detectedAt)
    ctx.addIssue({ code: 'custom', path: ['time'], message: 'must be epoch milliseconds between 1990 and 2200' });
  const ruleId = info.analytic?.uid ?? info.analytic?.name ?? info.title;
  if (!ruleId)
    ctx.addIssue({
      code: 'custom',
      path: ['finding_info', 'analytic', 'uid'],
      message: 'is required (or finding_info.analytic.name / finding_info.title)',
    });
  const evidences = (finding.evidences ?? []).filter((e) => e !== null && e !== undefined);
  const actor = finding.actor?.user ?? evidences.find((e) => e.user)?.user ?? undefined;
  const product = finding.metadata?.product;
  const instance = [finding.metadata?.tenant_uid, product?.uid ?? product?.name].filter(Boolean).join('/');
  return finishAlert(
    {
      source: 'ocsf',
      sourceInstance: instanceOf(context, instance),
      sourceAlertId: alertIdOf(info.uid),
      ruleId: clip(ruleId, 256) ?? 'unknown',
      ruleName: clip(info.analytic?.name ?? info.title ?? ruleId, 256) ?? 'unknown',
      severity: severityById[finding.severity_id ?? 0] ?? severityFromWord(finding.severity) ?? defaultSeverity,
      detectedAt: detectedAt ?? new Date(0).toISOString(),
      title: clip(info.title ?? info.analytic?.name ?? finding.message, 500) ?? 'OCSF detection finding',
      description: clip(info.desc ?? finding.message, 4000) ?? '',
      entities: entitiesOf({
        userPrincipalName: userPrincipalNameOf(actor?.email_addr ?? actor?.name, context.upnSuffix),
        userObjectId: isGuid(actor?.uid) ? actor?.uid : undefined,
        host: hostNameOf(finding.device?.hostname ?? finding.device?.name, finding.device?.domain),
        sourceIp: firstIp(...evidences.map((e) => e.src_endpoint?.ip), finding.src_endpoint?.ip),
      }),
    },
    ctx,
    { sourceAlertId: 'finding_info.uid', ruleId: 'finding_info.analytic.uid', title: 'finding_info.title' },
  );
}

export const ocsf: SourceAdapter = {
  source: 'ocsf',
  split: (documents) => splitArrayEnvelope(documents, 'findings'),
  normalize(item, context) {
    return ocsfSchema
      .transform((finding, ctx) => ({ kind: kindOf(finding), alert: normalizeOcsf(finding, ctx, context) }))
      .parse(item);
  },
};
