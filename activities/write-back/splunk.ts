import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { WriteBackRequest } from '../../common/write-back';
import { siemRequest, type SiemCall } from './http';
import { closes, splunkStatus } from './verdicts';
import type { SourceWriter } from './writer';

/**
 * Splunk ES notables: `POST /services/notable_update` (form: ruleUIDs, status, urgency, newOwner, comment), Bearer
 * token, capability edit_notable_events. Every update appends a review record, and ES offers no GET for notables, so
 * the notable's review history is read first from the Incident Review KV store (`incident_review`, in
 * SA-ThreatIntelligence): a record with this transition's marker means it was written already; a notable resolved or
 * closed there keeps its status (the comment still goes).
 */

export interface SplunkAccess {
  baseUrl: string;
  token: string;
  timeoutMs: number;
}

const reviewSchema = z.array(
  z.looseObject({
    comment: z.string().nullish(),
    status: z.union([z.string(), z.number()]).nullish(),
    time: z.union([z.string(), z.number()]).nullish(),
  }),
);
const updateSchema = z.looseObject({ success: z.boolean().optional(), message: z.string().optional() });

export class SplunkNotableWriter implements SourceWriter {
  constructor(private readonly splunk: SplunkAccess) {}

  async write(request: WriteBackRequest, comment: { text: string; marker: string }, owner?: string): Promise<string> {
    if (request.origin.kind !== 'splunk') throw new Error('not a Splunk ES notable');
    const { notableEventId } = request.origin;
    const call = (what: string): SiemCall => ({
      service: 'Splunk ES',
      what,
      permission:
        'the capability edit_notable_events (role ess_analyst) and read access to the incident_review collection',
      notFound: 'Splunk ES has no Incident Review store here (is this Splunk Enterprise Security?)',
    });
    const headers = { Authorization: `Bearer ${this.splunk.token}`, Accept: 'application/json' };
    const query = encodeURIComponent(JSON.stringify({ rule_id: notableEventId }));
    const reviews = await siemRequest(
      call("reading the notable's review history"),
      `${this.splunk.baseUrl}/servicesNS/nobody/SA-ThreatIntelligence/storage/collections/data/incident_review?query=${query}&output_mode=json`,
      { method: 'GET', headers, timeoutMs: this.splunk.timeoutMs },
    );
    const history = reviewSchema.safeParse(reviews.body).data ?? [];
    if (history.some((r) => r.comment?.includes(comment.marker))) return 'already written (its review record is there)';
    const latest = [...history].sort((a, b) => Number(b.time ?? 0) - Number(a.time ?? 0))[0];
    const settledThere = latest && ['4', '5'].includes(String(latest.status));
    const form = new URLSearchParams({
      ruleUIDs: notableEventId,
      comment: comment.text,
      urgency: request.severity,
      output_mode: 'json',
    });
    if (closes(request.transition) || !settledThere) form.set('status', splunkStatus(request.transition));
    if (request.transition === 'escalated' && owner) form.set('newOwner', owner);
    const { body } = await siemRequest(call('updating the notable'), `${this.splunk.baseUrl}/services/notable_update`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      timeoutMs: this.splunk.timeoutMs,
    });
    const answer = updateSchema.safeParse(body).data;
    if (answer?.success === false)
      throw ApplicationFailure.nonRetryable(
        `Splunk ES refused the notable update: ${answer.message ?? 'no reason given'}`,
        'SiemRequestRejected',
      );
    const fields = [...form.entries()]
      .filter(([k]) => ['status', 'urgency', 'newOwner'].includes(k))
      .map(([k, v]) => `${k} ${v}`);
    return [...fields, 'comment added'].join(', ');
  }
}
