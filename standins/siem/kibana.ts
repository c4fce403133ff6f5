import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createSiemServer, type SiemAnswer, type SiemStandInBase } from './base';

/**
 * Kibana's Elastic Security alert status API, per space: `POST [/s/{space}]/api/detection_engine/signals/status` with
 * `signal_ids` or a query (ids filter, optionally leaving closed alerts alone), `Authorization: ApiKey`, `kbn-xsrf`.
 */

export type KibanaRoute = 'setStatus';

export interface KibanaStandIn extends SiemStandInBase<KibanaRoute> {
  apiKey: string;
  /** alerts[space][id]: the alert's workflow status and, when closed with one, its reason. */
  alerts: Record<string, Record<string, { status: string; reason?: string }>>;
  seedAlert(space: string, id: string, status?: string): void;
}

const statuses = ['open', 'acknowledged', 'in-progress', 'closed'];
const reasons = ['false_positive', 'duplicate', 'true_positive', 'benign_positive', 'automated_closure', 'other'];
const kibanaError = (status: number, message: string) => ({
  statusCode: status,
  error:
    status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 429 ? 'Too Many Requests' : 'Error',
  message,
});
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

interface StatusBody {
  signal_ids?: string[];
  status?: string;
  reason?: string;
  query?: {
    bool?: {
      filter?: { ids?: { values?: string[] } }[];
      must_not?: { term?: Record<string, string> }[];
    };
  };
}

export async function startKibanaStandIn(options: {
  tls: { cert: string; key: string };
  apiKey?: string;
  port?: number;
  /** Demo mode: an alert id not seeded exists (open), so any delivered alert can be written to. */
  autoCreate?: boolean;
}): Promise<KibanaStandIn> {
  const apiKey = options.apiKey ?? Buffer.from('standin-id:standin-api-key-0123456789').toString('base64');
  const alerts: KibanaStandIn['alerts'] = {};
  const server = createSiemServer<KibanaRoute>({
    tls: options.tls,
    errorBody: kibanaError,
    auth: (req) =>
      same(req.headers.authorization ?? '', `ApiKey ${apiKey}`)
        ? undefined
        : '[security_exception]: unable to authenticate with provided credentials',
  });

  const setStatus =
    (space: string) =>
    (req: FastifyRequest): SiemAnswer => {
      if (req.headers['kbn-xsrf'] === undefined)
        return { status: 400, body: kibanaError(400, 'Request must contain a kbn-xsrf header.') };
      const body = (req.body ?? {}) as StatusBody;
      if (!body.status || !statuses.includes(body.status))
        return { status: 400, body: kibanaError(400, `[request body.status]: expected one of ${statuses.join(', ')}`) };
      if (body.reason !== undefined && (body.status !== 'closed' || !reasons.includes(body.reason)))
        return {
          status: 400,
          body: kibanaError(400, '[request body.reason]: only when closing, one of the known reasons'),
        };
      const ids = body.signal_ids ?? body.query?.bool?.filter?.flatMap((f) => f.ids?.values ?? []) ?? [];
      if (!ids.length) return { status: 400, body: kibanaError(400, 'signal_ids or query is required') };
      const skipClosed = body.query?.bool?.must_not?.some((m) => m.term?.['kibana.alert.workflow_status'] === 'closed');
      const inSpace = (alerts[space] ??= {});
      if (options.autoCreate) for (const id of ids) inSpace[id] ??= { status: 'open' };
      let updated = 0;
      for (const id of ids) {
        const alert = inSpace[id];
        if (!alert || (skipClosed && alert.status === 'closed')) continue;
        alert.status = body.status;
        if (body.reason) alert.reason = body.reason;
        updated++;
      }
      return {
        status: 200,
        body: { took: 3, timed_out: false, total: updated, updated, deleted: 0, version_conflicts: 0, failures: [] },
      };
    };

  server.route('POST', '/api/detection_engine/signals/status', 'setStatus', setStatus('default'));
  server.route('POST', '/s/:space/api/detection_engine/signals/status', 'setStatus', (req) =>
    setStatus((req.params as { space: string }).space)(req),
  );

  const base = await server.listen('127.0.0.1', options.port ?? 0);
  return {
    ...base,
    apiKey,
    alerts,
    seedAlert(space, id, status = 'open') {
      (alerts[space] ??= {})[id] = { status };
    },
  };
}
