import { z } from 'zod';
import type { WriteBackRequest } from '../../common/write-back';
import { segment, type ApiClient } from '../graph/http';
import type { Call } from '../graph/errors';
import { closes, defenderVerdict } from './verdicts';
import type { SourceWriter } from './writer';

/**
 * Defender XDR alerts through Graph (`SecurityAlert.ReadWrite.All`): `PATCH /security/alerts_v2/{id}` for status,
 * classification, determination and assignedTo, and a comment `POST …/comments` unless the alert already holds this
 * transition's marker (comments append on every POST). A resolved alert is not reopened by a later transition.
 */

const alertSchema = z.object({
  status: z.string().nullish(),
  comments: z.array(z.object({ comment: z.string().nullish() })).nullish(),
});

export class DefenderAlertWriter implements SourceWriter {
  constructor(private readonly graph: ApiClient) {}

  async write(request: WriteBackRequest, comment: { text: string; marker: string }, owner?: string): Promise<string> {
    if (request.origin.kind !== 'defender') throw new Error('not a Defender XDR alert');
    const { defenderAlertId } = request.origin;
    const path = `/security/alerts_v2/${segment(defenderAlertId)}`;
    const call = (what: string): Call => ({
      service: 'Microsoft Graph',
      what,
      permission: 'SecurityAlert.ReadWrite.All',
      notFound: `the Defender XDR alert ${defenderAlertId} no longer exists`,
    });
    const current = await this.graph.get(path, alertSchema, call('reading the Defender XDR alert'));
    const written: string[] = [];
    const change: Record<string, string> = {};
    if (closes(request.transition)) {
      Object.assign(change, { status: 'resolved', ...defenderVerdict(request) });
    } else if (current.status !== 'resolved') {
      change.status = 'inProgress';
    }
    if (request.transition === 'escalated' && owner) change.assignedTo = owner;
    if (Object.keys(change).length) {
      await this.graph.patch(path, change, call('updating the Defender XDR alert'));
      written.push(
        Object.entries(change)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      );
    }
    if (current.comments?.some((c) => c.comment?.includes(comment.marker))) {
      written.push('comment already there');
    } else {
      await this.graph.post(
        `${path}/comments`,
        { '@odata.type': 'microsoft.graph.security.alertComment', comment: comment.text },
        z.unknown(),
        call('commenting on the Defender XDR alert'),
      );
      written.push('comment added');
    }
    return written.join('; ');
  }
}
