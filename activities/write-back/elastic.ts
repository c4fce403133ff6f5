import type { WriteBackRequest } from '../../common/write-back';
import { siemRequest, type SiemCall } from './http';
import { closes, elasticCloseReason } from './verdicts';
import type { SourceWriter } from './writer';

/**
 * Elastic Security alerts: `POST [/s/{space}]/api/detection_engine/signals/status`, `Authorization: ApiKey`,
 * `kbn-xsrf: true`. Setting a status is idempotent (no comment to repeat). Before the close, the status is set by a
 * query that leaves closed alerts alone, so a later transition never reopens an alert closed in Kibana. The API key
 * goes only to the configured Kibana, never to a URL taken from a delivery.
 */

export interface KibanaAccess {
  kibanaUrl: string;
  apiKey: string;
  /** Send `reason` when closing (Kibana ≥ 9.2). */
  closeReason: boolean;
  timeoutMs: number;
}

export class ElasticAlertWriter implements SourceWriter {
  constructor(private readonly kibana: KibanaAccess) {}

  async write(request: WriteBackRequest): Promise<string> {
    if (request.origin.kind !== 'elastic') throw new Error('not an Elastic Security alert');
    const { kibanaAlertIds, space } = request.origin;
    const prefix = space === 'default' ? '' : `/s/${encodeURIComponent(space)}`;
    const call: SiemCall = {
      service: 'Kibana',
      what: 'setting the alert status',
      permission: 'an API key with the Security feature privilege "Alerts: All" in the space',
      notFound: `Kibana has no detection engine in space "${space}" (is the space right?)`,
    };
    const closing = closes(request.transition);
    const status = closing ? 'closed' : 'acknowledged';
    const body = closing
      ? {
          signal_ids: kibanaAlertIds,
          status,
          ...(this.kibana.closeReason ? { reason: elasticCloseReason(request.disposition) } : {}),
        }
      : {
          status,
          query: {
            bool: {
              filter: [{ ids: { values: kibanaAlertIds } }],
              must_not: [{ term: { 'kibana.alert.workflow_status': 'closed' } }],
            },
          },
        };
    const answer = await siemRequest(call, `${this.kibana.kibanaUrl}${prefix}/api/detection_engine/signals/status`, {
      method: 'POST',
      headers: {
        Authorization: `ApiKey ${this.kibana.apiKey}`,
        'kbn-xsrf': 'true',
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      body: JSON.stringify(body),
      timeoutMs: this.kibana.timeoutMs,
    });
    const updated = (answer.body as { updated?: unknown } | undefined)?.updated;
    const reason = 'reason' in body ? `, reason ${body.reason}` : '';
    return `status ${status}${reason}${typeof updated === 'number' ? ` (${updated} updated)` : ''}`;
  }
}
