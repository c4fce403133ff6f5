import { z } from 'zod';
import { finishAlert, instanceOf, splitArrayEnvelope, type NormalizeContext, type SourceAdapter } from './adapter';
import {
  alertIdOf,
  clip,
  defaultSeverity,
  entitiesOf,
  firstIp,
  fromEpochSeconds,
  hostOfUrl,
  severityFromWord,
  shortHash,
  userPrincipalNameOf,
} from './fields';

/**
 * Splunk's webhook alert action: `{sid, search_name, app, owner, results_link, result}`, every value a string and
 * `result` only the first row (a "for each result" trigger sends one POST per row, all with the same `sid`).
 *
 * - Enterprise Security notables carry `result.event_id`, stable when the same notable arrives again under a new
 *   `sid`: that is the identity. The rule is the correlation search that raised the notable (the row's `search_name`,
 *   else its `source` "<Domain> - <Name> - Rule"), not the saved search forwarding notables, which the envelope's
 *   `search_name` names; `rule_id` is a copy of `event_id`, no rule.
 * - Core alerts have no row id: the identity is the `sid` plus a hash of the row; the rule is the saved search.
 * - Without `_time` in the row, the trigger time comes from the `sid`, which holds it in every form Splunk makes.
 */

const cell = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
]);

const splunkSchema = z.object({
  sid: z.string().trim().min(1, 'must not be empty').max(400),
  search_name: z.string().nullish(),
  app: z.string().nullish(),
  owner: z.string().nullish(),
  results_link: z.string().nullish(),
  result: z.record(z.string(), cell, { error: 'must be the first result row, an object of fields' }),
});

type Row = z.output<typeof splunkSchema>['result'];

/** A field's first value as text (Splunk sends multivalue fields as arrays). */
function field(row: Row, ...names: string[]): string | undefined {
  for (const name of names) {
    const raw = row[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== null && value !== undefined && String(value).trim() !== '') return String(value).trim();
  }
  return undefined;
}

/** Splunk's numeric alert severity (1 debug … 6 fatal) or a word. */
function severityOf(value: string | undefined) {
  if (value && /^[1-6]$/.test(value))
    return (['informational', 'informational', 'low', 'medium', 'high', 'critical'] as const)[Number(value) - 1];
  return severityFromWord(value);
}

/** Stable across redeliveries of the same row: keys sorted, values as sent. */
function rowHash(row: Row): string {
  return shortHash(
    JSON.stringify(
      Object.keys(row)
        .sort()
        .map((key) => [key, row[key]]),
    ),
  );
}

/**
 * The trigger time a search id carries, in epoch seconds: scheduled (`scheduler__<owner>__<app>__RMD5…_at_<epoch>_<n>`,
 * `rt_scheduler__…`, with a `_<GUID>` suffix on a search head cluster) or `<epoch>.<n>` at the end of ad-hoc,
 * real-time and remote ids (`md_<epoch>.N`, `rt_md_<epoch>.N`, `<user>__<user>__<app>__search1_<epoch>.N`, `<epoch>.N`).
 */
export function epochOfSid(sid: string): string | undefined {
  return /_at_(\d{9,11})_\d+/.exec(sid)?.[1] ?? /(?:^|_)(\d{9,11})\.\d+(?:_[0-9A-F-]{36})?$/i.exec(sid)?.[1];
}

function normalizeSplunk(body: z.output<typeof splunkSchema>, ctx: z.RefinementCtx, context: NormalizeContext) {
  const row = body.result;
  const notableId = field(row, 'event_id');
  const searchName = body.search_name?.trim() || undefined;
  const correlationSearch = notableId ? (field(row, 'search_name', 'source') ?? searchName) : undefined;
  const ruleName = notableId ? (field(row, 'rule_name') ?? correlationSearch) : searchName;
  const ruleId = notableId ? (correlationSearch ?? field(row, 'rule_name', 'rule_title')) : searchName;
  const timeText = field(row, '_time');
  const detectedAt = timeText !== undefined ? fromEpochSeconds(timeText) : fromEpochSeconds(epochOfSid(body.sid));
  if (!detectedAt) {
    ctx.addIssue({
      code: 'custom',
      path: ['result', '_time'],
      message: timeText
        ? `"${timeText.slice(0, 40)}" is not epoch seconds`
        : 'is required (the sid carries no trigger time either)',
    });
  }
  const severityText = notableId
    ? field(row, 'urgency', 'severity')
    : field(row, 'urgency', 'severity', 'alert_severity');
  const title = notableId ? (field(row, 'rule_title', 'rule_name') ?? correlationSearch) : searchName;
  return finishAlert(
    {
      source: 'splunk',
      sourceInstance: instanceOf(context, hostOfUrl(body.results_link ?? undefined)),
      sourceAlertId: notableId ? alertIdOf(notableId) : alertIdOf(`${body.sid}|row:${rowHash(row)}`),
      ruleId: clip(ruleId, 256) ?? 'splunk-ad-hoc-search',
      ruleName: clip(ruleName, 256) ?? 'Ad-hoc Splunk search',
      severity: severityOf(severityText) ?? defaultSeverity,
      detectedAt: detectedAt ?? new Date(0).toISOString(),
      title: clip(title, 500) ?? 'Splunk alert',
      description: clip(field(row, 'rule_description', 'description', '_raw'), 4000) ?? '',
      entities: entitiesOf({
        userPrincipalName: userPrincipalNameOf(field(row, 'user', 'src_user'), context.upnSuffix),
        host: field(row, 'dest', 'dest_host', 'dest_nt_host', 'host'),
        sourceIp: firstIp(field(row, 'src_ip'), field(row, 'src')),
      }),
      // Only an ES notable can be updated (notable_update by its event_id); a core alert has nothing to write to.
      ...(notableId && notableId.length <= 512
        ? { origin: { kind: 'splunk' as const, notableEventId: notableId } }
        : {}),
    },
    ctx,
    {
      sourceAlertId: notableId ? 'result.event_id' : 'sid',
      ruleId: notableId ? 'result.search_name' : 'search_name',
      ruleName: notableId ? 'result.rule_name' : 'search_name',
      title: notableId ? 'result.rule_title' : 'search_name',
    },
  );
}

export const splunk: SourceAdapter = {
  source: 'splunk',
  split: (documents) => splitArrayEnvelope(documents, 'results'),
  normalize(item, context) {
    const schema = splunkSchema.transform((body, ctx) => normalizeSplunk(body, ctx, context));
    return { kind: 'create', alert: schema.parse(item) };
  },
};
