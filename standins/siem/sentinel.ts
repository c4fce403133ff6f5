import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createSiemServer, type SiemAnswer, type SiemStandInBase } from './base';

/**
 * Microsoft Sentinel incidents behind Azure Resource Manager: GET and PUT of an incident by its ARM id (PUT replaces
 * it; a body etag that is not the current one answers 409, an `If-Match` that is not answers 412; title, severity and
 * status are required), and PUT of a comment by its client-chosen id (the same id replaces, never adds). Bearer tokens
 * must be issued for `https://management.azure.com` (checked by `verifyToken`, the Graph stand-in's issuer).
 */

export const SENTINEL_STANDIN_API_VERSION = '2025-09-01';
const INCIDENT =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+\/providers\/Microsoft\.SecurityInsights\/Incidents\/[^/]+)(?:\/comments\/([^/]+))?$/i;

/** Faults on `putIncident` apply to comment PUTs too (one route serves both paths). */
export type SentinelRoute = 'getIncident' | 'putIncident';

export interface StandInIncident {
  etag: string;
  properties: Record<string, unknown> & { title: string; severity: string; status: string };
  comments: Map<string, { message: string; createdTimeUtc: string }>;
}

export interface SentinelStandIn extends SiemStandInBase<SentinelRoute> {
  /** Adds (or replaces) an incident at its ARM id. */
  seedIncident(armId: string, properties: { title: string; severity: string; status: string }): void;
  incident(armId: string): StandInIncident | undefined;
  /** The next `times` PUTs of an incident find it changed by someone else just before: etag moved, a label added. */
  changeBeforeNextPut(times?: number): void;
  /** The PUTs of comments (`requests('putIncident')` holds the incident PUTs only). */
  commentPuts(): ReturnType<SiemStandInBase<SentinelRoute>['requests']>;
}

const armError = (status: number, message: string) => ({
  error: {
    code:
      status === 409
        ? 'Conflict'
        : status === 412
          ? 'PreconditionFailed'
          : status === 404
            ? 'NotFound'
            : status === 401
              ? 'AuthenticationFailed'
              : status === 403
                ? 'AuthorizationFailed'
                : status === 429
                  ? 'TooManyRequests'
                  : 'Error',
    message,
  },
});

export async function startSentinelStandIn(options: {
  tls: { cert: string; key: string };
  verifyToken: (authorization: string | undefined) => { aud: string } | string;
  audience?: string;
  port?: number;
  /** Demo mode: an incident read before it was seeded exists (New), so any delivered incident can be written to. */
  autoCreate?: boolean;
}): Promise<SentinelStandIn> {
  const audience = options.audience ?? 'https://management.azure.com';
  const incidents = new Map<string, StandInIncident>();
  let concurrentEdits = 0;
  const server = createSiemServer<SentinelRoute>({
    tls: options.tls,
    errorBody: armError,
    auth(req) {
      const claims = options.verifyToken(req.headers.authorization);
      if (typeof claims === 'string') return claims;
      return claims.aud === audience ? undefined : `The access token has an invalid audience (${claims.aud}).`;
    },
  });

  const addressed = (
    req: FastifyRequest,
  ): { incident?: StandInIncident; armId: string; commentId?: string } | SiemAnswer => {
    const query = req.query as Record<string, string>;
    if (query['api-version'] !== SENTINEL_STANDIN_API_VERSION)
      return { status: 400, body: armError(400, `The api-version '${query['api-version']}' is not supported here.`) };
    const match = INCIDENT.exec(req.url.split('?')[0]!);
    if (!match) return { status: 404, body: armError(404, 'No such resource.') };
    const armId = match[1]!;
    if (options.autoCreate && !incidents.has(armId.toLowerCase()))
      seed(armId, { title: 'Demo incident', severity: 'Medium', status: 'New' });
    return { incident: incidents.get(armId.toLowerCase()), armId, commentId: match[2] };
  };

  const newEtag = () => `"${randomUUID()}"`;
  const seed = (armId: string, properties: { title: string; severity: string; status: string }) =>
    incidents.set(armId.toLowerCase(), {
      etag: newEtag(),
      properties: { ...properties, incidentNumber: incidents.size + 1 },
      comments: new Map(),
    });

  server.route('GET', '/subscriptions/*', 'getIncident', (req) => {
    const at = addressed(req);
    if ('status' in at) return at;
    if (!at.incident || at.commentId) return { status: 404, body: armError(404, 'The incident was not found.') };
    const { etag, properties } = at.incident;
    return {
      status: 200,
      body: {
        id: at.armId,
        name: at.armId.split('/').pop(),
        etag,
        type: 'Microsoft.SecurityInsights/Incidents',
        properties,
      },
    };
  });

  server.route('PUT', '/subscriptions/*', 'putIncident', (req) => {
    const at = addressed(req);
    if ('status' in at) return at;
    if (!at.incident) return { status: 404, body: armError(404, 'The incident was not found.') };
    const incident = at.incident;
    const body = (req.body ?? {}) as { etag?: string; properties?: Record<string, unknown> };
    if (at.commentId) {
      const message = (body.properties as { message?: unknown } | undefined)?.message;
      if (typeof message !== 'string' || !message)
        return { status: 400, body: armError(400, 'properties.message is required.') };
      const existing = incident.comments.get(at.commentId);
      incident.comments.set(at.commentId, {
        message,
        createdTimeUtc: existing?.createdTimeUtc ?? new Date().toISOString(),
      });
      return {
        status: existing ? 200 : 201,
        body: { id: `${at.armId}/comments/${at.commentId}`, name: at.commentId, properties: { message } },
      };
    }
    if (concurrentEdits > 0) {
      concurrentEdits--;
      incident.etag = newEtag();
      incident.properties.labels = [
        ...((incident.properties.labels as unknown[]) ?? []),
        { labelName: 'edited-meanwhile', labelType: 'User' },
      ];
    }
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== incident.etag) return { status: 412, body: armError(412, 'The etag does not match.') };
    if (body.etag && body.etag !== incident.etag)
      return { status: 409, body: armError(409, 'The incident was changed by someone else: its etag does not match.') };
    const p = body.properties ?? {};
    if (typeof p.title !== 'string' || typeof p.severity !== 'string' || typeof p.status !== 'string')
      return {
        status: 400,
        body: armError(400, 'properties.title, properties.severity and properties.status are required.'),
      };
    incident.properties = {
      ...(p as StandInIncident['properties']),
      incidentNumber: incident.properties.incidentNumber,
    };
    incident.etag = newEtag();
    return { status: 200, body: { id: at.armId, etag: incident.etag, properties: incident.properties } };
  });

  const base = await server.listen('127.0.0.1', options.port ?? 0);
  const isComment = (path: string) => /\/comments\//i.test(path);
  return {
    ...base,
    requests: (name) => base.requests(name).filter((r) => name !== 'putIncident' || !isComment(r.path)),
    commentPuts: () => base.requests('putIncident').filter((r) => isComment(r.path)),
    seedIncident: (armId, properties) => void seed(armId, properties),
    incident: (armId) => incidents.get(armId.toLowerCase()),
    changeBeforeNextPut(times = 1) {
      concurrentEdits += times;
    },
  };
}
