import { z } from 'zod';
import { finishAlert, instanceOf, splitArrayEnvelope, type NormalizeContext, type SourceAdapter } from './adapter';
import { nestDottedKeys } from './dotted-keys';
import {
  alertIdOf,
  clip,
  defaultSeverity,
  entitiesOf,
  firstIp,
  fromIsoTime,
  hostOfUrl,
  isGuid,
  optionalNumber,
  optionalText,
  severityFromRiskScore,
  severityFromWord,
  userPrincipalNameOf,
  requiredAs,
} from './fields';

/**
 * Elastic Security through Kibana's webhook connector: the body is templated from `{{context.alerts}}` (up to 100
 * alerts), usually as `{"alerts": [...]}` beside rule fields; a bare array or a single alert is accepted too. Fields
 * arrive as flat dotted keys or nested objects depending on the Kibana version; both give the same alert.
 */

const objectOrNothing = <T extends z.ZodRawShape>(shape: T) => z.object(shape).nullish();

const elasticAlertSchema = z.object({
  '@timestamp': optionalText,
  kibana: z.object({
    space_ids: z.array(z.string()).nullish(),
    alert: z.object({
      uuid: z
        .string({ error: requiredAs('a string') })
        .trim()
        .min(1, 'must not be empty'),
      rule: z.object({
        rule_id: optionalText,
        uuid: optionalText,
        name: optionalText,
        description: optionalText,
        severity: optionalText,
        risk_score: optionalNumber,
      }),
      severity: optionalText,
      risk_score: optionalNumber,
      original_time: optionalText,
      start: optionalText,
      reason: optionalText,
      url: optionalText,
    }),
  }),
  user: objectOrNothing({ name: optionalText, email: optionalText, id: optionalText }),
  host: objectOrNothing({ name: optionalText, hostname: optionalText }),
  source: objectOrNothing({ ip: optionalText }),
});

type ElasticAlert = z.output<typeof elasticAlertSchema>;

/** The Kibana space of an alert: from its URL (`/s/<space>/app/…`), else its `kibana.space_ids`, else the rule's. */
function spaceOf(raw: ElasticAlert, context: NormalizeContext): string {
  const fromUrl = /^\/s\/([a-z0-9_-]+)\//.exec(pathOf(raw.kibana.alert.url) ?? '')?.[1];
  const rule = context.envelope?.rule as { space_id?: unknown } | undefined;
  const candidates = [
    fromUrl,
    raw.kibana.space_ids?.[0],
    typeof rule?.space_id === 'string' ? rule.space_id : undefined,
  ];
  return candidates.find((space) => space && /^[a-z0-9_-]{1,100}$/.test(space)) ?? 'default';
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).pathname : undefined;
  } catch {
    return undefined;
  }
}

/** Where write-back sets the alert's status: its id, its space, and the Kibana it came from (for reference). */
function originOf(raw: ElasticAlert, context: NormalizeContext) {
  const { uuid, url } = raw.kibana.alert;
  if (uuid.length > 256) return {};
  const base = optionalText.safeParse(context.envelope?.kibana_base_url).data;
  const kibanaUrl = [url, base].map((u) => originUrl(u)).find(Boolean);
  return {
    origin: {
      kind: 'elastic' as const,
      kibanaAlertIds: [uuid],
      space: spaceOf(raw, context),
      ...(kibanaUrl ? { kibanaUrl } : {}),
    },
  };
}

function originUrl(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

function normalizeElastic(raw: ElasticAlert, ctx: z.RefinementCtx, context: NormalizeContext) {
  const alert = raw.kibana.alert;
  const rule = alert.rule;
  const ruleId = rule.rule_id ?? rule.uuid ?? rule.name;
  if (!ruleId)
    ctx.addIssue({
      code: 'custom',
      path: ['kibana', 'alert', 'rule', 'rule_id'],
      message: 'is required (or kibana.alert.rule.uuid / .name)',
    });
  const detectedAt = fromIsoTime(alert.original_time) ?? fromIsoTime(alert.start) ?? fromIsoTime(raw['@timestamp']);
  if (!detectedAt) {
    ctx.addIssue({
      code: 'custom',
      path: ['kibana', 'alert', 'original_time'],
      message: 'is required as an ISO 8601 time (or kibana.alert.start / @timestamp)',
    });
  }
  const userName = raw.user?.email ?? raw.user?.name;
  return finishAlert(
    {
      source: 'elastic',
      sourceInstance: instanceOf(
        context,
        hostOfUrl(alert.url),
        hostOfUrl(optionalText.safeParse(context.envelope?.kibana_base_url).data),
      ),
      sourceAlertId: alertIdOf(alert.uuid),
      ruleId: clip(ruleId, 256) ?? 'unknown',
      ruleName: clip(rule.name ?? ruleId, 256) ?? 'unknown',
      severity:
        severityFromWord(alert.severity ?? rule.severity) ??
        severityFromRiskScore(alert.risk_score ?? rule.risk_score) ??
        defaultSeverity,
      detectedAt: detectedAt ?? new Date(0).toISOString(),
      title: clip(rule.name ?? ruleId, 500) ?? 'Elastic Security alert',
      description: clip(alert.reason ?? rule.description, 4000) ?? '',
      entities: entitiesOf({
        userPrincipalName: userPrincipalNameOf(userName, context.upnSuffix),
        userObjectId: isGuid(raw.user?.id) ? raw.user?.id : undefined,
        host: raw.host?.name ?? raw.host?.hostname,
        sourceIp: firstIp(raw.source?.ip),
      }),
      ...originOf(raw, context),
    },
    ctx,
    {
      sourceAlertId: 'kibana.alert.uuid',
      ruleId: 'kibana.alert.rule.rule_id',
      ruleName: 'kibana.alert.rule.name',
      title: 'kibana.alert.rule.name',
    },
  );
}

export const elastic: SourceAdapter = {
  source: 'elastic',
  split: (documents) => splitArrayEnvelope(documents, 'alerts'),
  normalize(item, context) {
    const schema = elasticAlertSchema.transform((raw, ctx) => normalizeElastic(raw, ctx, context));
    return { kind: 'create', alert: schema.parse(nestDottedKeys(item)) };
  },
};
