import { z } from 'zod';
import type { StandInRoutes } from './context';
import type { GraphSeed, StandInSecurityAlert } from './model';
import { GRAPH_RESOURCE, HttpError } from './responses';
import { v1 } from './routes';

/**
 * Defender XDR alerts written back to: read one (`GET /security/alerts_v2/{id}`, with its comments), update it
 * (`PATCH`, 200 with the alert) and comment on it (`POST …/comments`, 200 with the whole comment list; every POST
 * appends, as Graph does). Effects are counted per alert id ("comment", "update").
 */

const read = [['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All']];
const write = [['SecurityAlert.ReadWrite.All']];

const statuses = ['new', 'inProgress', 'resolved'] as const;
const classifications = ['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity'] as const;
const determinations = [
  'malware',
  'phishing',
  'compromisedAccount',
  'maliciousUserActivity',
  'notMalicious',
  'notEnoughDataToValidate',
  'confirmedActivity',
  'lineOfBusinessApplication',
  'securityTesting',
  'securityPersonnel',
  'unwantedSoftware',
  'multiStagedAttack',
  'apt',
  'other',
  'unknown',
] as const;

const alertPatch = z
  .object({
    status: z.enum(statuses),
    classification: z.enum(classifications),
    determination: z.enum(determinations),
    assignedTo: z.string(),
    customDetails: z.unknown(),
  })
  .partial()
  .strict();

const commentBody = z.object({
  '@odata.type': z.literal('microsoft.graph.security.alertComment').optional(),
  comment: z.string().min(1),
});

function findAlert(state: GraphSeed, id: string): StandInSecurityAlert {
  const alert = state.securityAlerts.find((a) => a.id === id);
  if (!alert) throw new HttpError(404, 'NotFound', `The alert '${id}' was not found.`);
  return alert;
}

export const alertUpdateRoutes: StandInRoutes = ({ route, live, effects }) => {
  const path = `${v1}/security/alerts_v2/:id`;
  route('GET', path, 'getSecurityAlert', GRAPH_RESOURCE, read, ({ params }) => ({
    status: 200,
    body: {
      '@odata.context': `${live.url}${v1}/$metadata#security/alerts_v2/$entity`,
      ...findAlert(live.state, params.id!),
    },
  }));

  route('PATCH', path, 'updateSecurityAlert', GRAPH_RESOURCE, write, ({ params, body }) => {
    const alert = findAlert(live.state, params.id!);
    const patch = alertPatch.safeParse(body);
    if (!patch.success)
      throw new HttpError(
        400,
        'BadRequest',
        `Invalid alert update: ${patch.error.issues[0]?.path.join('.')} ${patch.error.issues[0]?.message}`,
      );
    Object.assign(alert, patch.data, { lastUpdateDateTime: new Date().toISOString() });
    if (patch.data.status === 'resolved') alert.resolvedDateTime = alert.lastUpdateDateTime;
    effects.count(alert.id, 'update');
    return { status: 200, body: alert };
  });

  route('POST', `${path}/comments`, 'commentSecurityAlert', GRAPH_RESOURCE, write, ({ params, body }) => {
    const alert = findAlert(live.state, params.id!);
    const comment = commentBody.safeParse(body);
    if (!comment.success) throw new HttpError(400, 'BadRequest', 'A comment needs a non-empty "comment".');
    alert.comments = [
      ...(alert.comments ?? []),
      { comment: comment.data.comment, createdByDisplayName: 'soc-triage', createdDateTime: new Date().toISOString() },
    ];
    effects.count(alert.id, 'comment');
    return {
      status: 200,
      body: {
        '@odata.context': `${live.url}${v1}/$metadata#Collection(microsoft.graph.security.alertComment)`,
        value: alert.comments,
      },
    };
  });
};
