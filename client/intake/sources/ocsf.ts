import { z } from 'zod';
import type { Severity } from '../../../common/alert';
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
 * uid is the identity; `time` is epoch milliseconds. What a delivery does to the case:
 * - `activity_id` 1 Create starts it (or is a redelivery); 2 Update concerns the finding sent before;
 * - 3 Close, or a `status_id` of 3 Suppressed or 4 Resolved, closes it (verdict from `verdict_id` when sent, else
 *   undetermined: the case closes and containment stays);
 * - 0 Unknown, 99 Other or no `activity_id`: the producer does not say, so it updates the finding's case if there is
 *   one and starts a case otherwise (an update of an unknown finding starts one), never a second case.
 * Entities: the user from `actor.user`, else an evidence's `actor.user` or `user`; the host from `device`, else an
 * evidence's `device`; the remote address from an evidence's `src_endpoint` (a top-level `src_endpoint`, which the
 * class does not define, is read last).
 */

const DETECTION_FINDING = 2004;

const user = z
  .object({ name: optionalText, email_addr: optionalText, uid: optionalText, domain: optionalText })
  .nullish();
const endpoint = z.object({ ip: optionalText, hostname: optionalText }).nullish();
const device = z.object({ hostname: optionalText, name: optionalText, domain: optionalText }).nullish();

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
  activity_id: z.number({ error: 'must be a number (1 Create, 2 Update, 3 Close)' }).int().nullish(),
  status_id: z.number({ error: 'must be a number (1 New … 4 Resolved, 99 Other)' }).int().nullish(),
  verdict_id: z.number().int().nullish().catch(undefined),
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
  device,
  src_endpoint: endpoint,
  evidences: z
    .array(z.object({ actor: z.object({ user }).nullish(), user, device, src_endpoint: endpoint }).nullish())
    .nullish(),
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

const CLOSE = 3;
const SUPPRESSED = 3;
const RESOLVED = 4;

function kindOf(finding: Finding): DeliveryKind {
  if (finding.activity_id === CLOSE || finding.status_id === SUPPRESSED || finding.status_id === RESOLVED)
    return 'close';
  return finding.activity_id === 1 ? 'create' : 'update';
}

/** The Finding `verdict_id` values that are a disposition; the others (Suspicious, Duplicate, …) say nothing of it. */
const dispositionByVerdict: Record<number, Disposition> = {
  1: 'false-positive',
  2: 'true-positive',
  5: 'benign-positive',
};

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
  const actor = finding.actor?.user ?? evidences.map((e) => e.actor?.user ?? e.user).find(Boolean) ?? undefined;
  const host = finding.device ?? evidences.map((e) => e.device).find(Boolean) ?? undefined;
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
        host: hostNameOf(host?.hostname ?? host?.name, host?.domain),
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
      .transform((finding, ctx) => {
        const kind = kindOf(finding);
        const alert = normalizeOcsf(finding, ctx, context);
        if (kind !== 'close') return { kind, alert };
        const product = finding.metadata?.product;
        const closure = closureOf(dispositionByVerdict[finding.verdict_id ?? 0], product?.name ?? product?.uid);
        return { kind, alert, closure };
      })
      .parse(item);
  },
};
