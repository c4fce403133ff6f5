import { timingSafeEqual } from 'node:crypto';
import { createSiemServer, type SiemStandInBase } from './base';

/**
 * Splunk ES on its management port: `POST /services/notable_update` (form: ruleUIDs, status, urgency, newOwner,
 * comment; each update appends a review record, as ES does) and the Incident Review KV store it writes to,
 * `GET /servicesNS/nobody/SA-ThreatIntelligence/storage/collections/data/incident_review?query={"rule_id":…}`.
 * Bearer token auth.
 */

export type SplunkRoute = 'notableUpdate' | 'incidentReview';

export interface ReviewRecord {
  rule_id: string;
  status?: string;
  urgency?: string;
  owner?: string;
  comment?: string;
  time: number;
  user: string;
}

export interface SplunkStandIn extends SiemStandInBase<SplunkRoute> {
  token: string;
  reviews: ReviewRecord[];
  reviewsOf(eventId: string): ReviewRecord[];
}

const splunkError = (status: number, message: string) => ({ messages: [{ type: 'ERROR', text: message }] });
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function startSplunkStandIn(options: {
  tls: { cert: string; key: string };
  token?: string;
  port?: number;
}): Promise<SplunkStandIn> {
  const token = options.token ?? 'splunk-standin-token-0123456789';
  const reviews: ReviewRecord[] = [];
  let clock = Math.floor(Date.now() / 1000);
  const server = createSiemServer<SplunkRoute>({
    tls: options.tls,
    errorBody: splunkError,
    auth: (req) =>
      same(req.headers.authorization ?? '', `Bearer ${token}`) ? undefined : 'call not properly authenticated',
  });

  server.route('POST', '/services/notable_update', 'notableUpdate', (req) => {
    const form = (req.body ?? {}) as Record<string, string>;
    if (!form.ruleUIDs) return { status: 400, body: splunkError(400, 'ruleUIDs or searchID is required') };
    if (form.status && !/^[0-5]$/.test(form.status)) return { status: 400, body: splunkError(400, 'invalid status') };
    if (!form.status && !form.comment && !form.newOwner && !form.urgency)
      return { status: 400, body: splunkError(400, 'nothing to update') };
    const ids = form.ruleUIDs.split(',');
    for (const rule_id of ids)
      reviews.push({
        rule_id,
        status: form.status,
        urgency: form.urgency,
        owner: form.newOwner,
        comment: form.comment,
        time: ++clock,
        user: 'soc-triage',
      });
    return {
      status: 200,
      body: { success: true, message: `${ids.length} event(s) updated successfully`, failure_count: 0 },
    };
  });

  server.route(
    'GET',
    '/servicesNS/nobody/SA-ThreatIntelligence/storage/collections/data/incident_review',
    'incidentReview',
    (req) => {
      const { query } = req.query as { query?: string };
      let filter: { rule_id?: string } = {};
      try {
        filter = query ? (JSON.parse(query) as { rule_id?: string }) : {};
      } catch {
        return { status: 400, body: splunkError(400, 'query is not JSON') };
      }
      return { status: 200, body: reviews.filter((r) => !filter.rule_id || r.rule_id === filter.rule_id) };
    },
  );

  const base = await server.listen('127.0.0.1', options.port ?? 0);
  return { ...base, token, reviews, reviewsOf: (eventId) => reviews.filter((r) => r.rule_id === eventId) };
}
