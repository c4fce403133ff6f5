import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { WriteBackRequest } from '../../common/write-back';
import { toFailure } from '../graph/errors';
import { siemRequest, type SiemCall } from './http';
import { closes, sentinelVerdict } from './verdicts';
import type { SourceWriter } from './writer';

/**
 * Microsoft Sentinel incidents through Azure Resource Manager (role Microsoft Sentinel Responder). PUT replaces the
 * incident, so: GET, change, PUT with the etag read; a conflict (409/412) means someone changed it meanwhile, so it is
 * read again and the change applied to what is there now — never overwritten blindly. The comment goes to a
 * client-chosen id derived from the case and transition, so repeating it replaces the same comment.
 */

export const SENTINEL_API_VERSION = '2025-09-01';
export const ARM_SCOPE = 'https://management.azure.com/.default';
const MAX_CONFLICTS = 3;

const incidentSchema = z.object({
  etag: z.string().nullish(),
  properties: z.looseObject({
    title: z.string(),
    severity: z.string(),
    status: z.string(),
  }),
});

/** The properties a PUT may carry (read-only ones such as incidentNumber are left out). */
const writable = [
  'title',
  'description',
  'severity',
  'status',
  'classification',
  'classificationReason',
  'classificationComment',
  'owner',
  'labels',
  'firstActivityTimeUtc',
  'lastActivityTimeUtc',
] as const;

export interface ArmAccess {
  baseUrl: string;
  /** A bearer token for `ARM_SCOPE`; `invalidate` forgets it when ARM refuses it. */
  token: { getAccessToken(): Promise<string>; invalidate(): void };
  timeoutMs: number;
}

export class SentinelIncidentWriter implements SourceWriter {
  constructor(private readonly arm: ArmAccess) {}

  async write(request: WriteBackRequest, comment: { text: string; id: string }, owner?: string): Promise<string> {
    if (request.origin.kind !== 'sentinel') throw new Error('not a Sentinel incident');
    const incident = `${this.arm.baseUrl}${request.origin.incidentArmId}`;
    const call = (what: string): SiemCall => ({
      service: 'Microsoft Sentinel',
      what,
      permission: 'the Azure role Microsoft Sentinel Responder on the workspace',
      notFound: 'the Sentinel incident no longer exists',
    });
    const written: string[] = [];
    for (let conflicts = 0; ; conflicts++) {
      const { body } = await this.send(
        call('reading the incident'),
        'GET',
        `${incident}?api-version=${SENTINEL_API_VERSION}`,
      );
      const current = incidentSchema.safeParse(body);
      if (!current.success)
        throw ApplicationFailure.nonRetryable('Microsoft Sentinel answered the incident read with an unexpected shape');
      const change = this.changeFor(request, current.data.properties, owner);
      if (!change) {
        written.push('incident closed there already: status left as it is');
        break;
      }
      const properties = Object.fromEntries(
        writable.filter((k) => current.data.properties[k] !== undefined).map((k) => [k, current.data.properties[k]]),
      );
      const put = await this.send(
        call('updating the incident'),
        'PUT',
        `${incident}?api-version=${SENTINEL_API_VERSION}`,
        {
          body: { etag: current.data.etag ?? undefined, properties: { ...properties, ...change } },
          pass: [409, 412],
        },
      );
      if (put.status !== 409 && put.status !== 412) {
        written.push(
          Object.entries(change)
            // The comment is the case's own reason, already on the case.
            .filter(([k]) => k !== 'classificationComment')
            .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(', '),
        );
        if (conflicts) written.push(`after ${conflicts} etag conflict${conflicts > 1 ? 's' : ''}, re-read`);
        break;
      }
      if (conflicts + 1 >= MAX_CONFLICTS)
        throw ApplicationFailure.create({
          message: `the Sentinel incident kept changing while it was updated (${MAX_CONFLICTS} etag conflicts); retrying`,
          type: 'SentinelConflict',
        });
    }
    await this.send(
      call('commenting on the incident'),
      'PUT',
      `${incident}/comments/${comment.id}?api-version=${SENTINEL_API_VERSION}`,
      { body: { properties: { message: comment.text } } },
    );
    written.push(`comment ${comment.id}`);
    return written.join('; ');
  }

  /** What this transition changes; undefined when the incident is closed and this is not the close. */
  private changeFor(
    request: WriteBackRequest,
    current: { status: string },
    owner: string | undefined,
  ): Record<string, unknown> | undefined {
    if (closes(request.transition))
      return { status: 'Closed', ...sentinelVerdict(request.disposition), classificationComment: request.reason };
    if (current.status.toLowerCase() === 'closed') return undefined;
    return {
      status: 'Active',
      ...(request.transition === 'escalated' && owner ? { owner: { objectId: owner } } : {}),
    };
  }

  private async send(call: SiemCall, method: string, url: string, options: { body?: unknown; pass?: number[] } = {}) {
    let token: string;
    try {
      token = await this.arm.token.getAccessToken();
    } catch (err) {
      throw toFailure(err, { service: 'Azure Resource Manager', what: call.what, permission: call.permission });
    }
    try {
      return await siemRequest(call, url, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(options.body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: options.body ? JSON.stringify(options.body) : undefined,
        pass: options.pass,
        timeoutMs: this.arm.timeoutMs,
      });
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === 'SiemUnauthorized') this.arm.token.invalidate();
      throw err;
    }
  }
}
