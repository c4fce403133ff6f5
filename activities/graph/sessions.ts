import { ApplicationFailure } from '@temporalio/common';
import type { ContainmentOutcome, ContainmentRequest } from '../../common/triage';
import { checkThenAct } from '../containment-protocol';
import { segment, type ApiClient } from './http';
import type { GraphDirectory } from './identity';
import { revokeResultSchema } from './schemas';

/**
 * Revoking a user's sign-in sessions. Revocation has no state of its own to read: it is in place when the user's
 * sessions are valid only from a time at or after containment was requested.
 */

export const sessionPermissions = { revoke: 'User.RevokeSessions.All' } as const;

export class GraphSessions {
  constructor(
    private readonly graph: ApiClient,
    private readonly directory: GraphDirectory,
  ) {}

  async isRevoked(request: ContainmentRequest): Promise<boolean> {
    return revokedSince(request, await this.directory.user(request.user));
  }

  async revoke(request: ContainmentRequest): Promise<ContainmentOutcome> {
    const user = await this.directory.user(request.user);
    const revoked = revokedSince(request, user);
    return checkThenAct({
      request,
      target: user.userPrincipalName,
      isInPlace: async () => revoked,
      act: async () => {
        await this.graph.post(`/users/${segment(user.id)}/revokeSignInSessions`, {}, revokeResultSchema, {
          service: 'Microsoft Graph',
          what: `revoking ${user.userPrincipalName}'s sign-in sessions`,
          permission: sessionPermissions.revoke,
          notFound: `user not found: ${user.userPrincipalName}`,
        });
      },
      describe: { applied: 'sign-in sessions revoked', alreadyInPlace: 'sessions were revoked since the alert' },
    });
  }
}

function revokedSince(request: ContainmentRequest, user: { signInSessionsValidFromDateTime?: string | null }): boolean {
  if (!request.requestedAt || Number.isNaN(Date.parse(request.requestedAt))) {
    throw ApplicationFailure.nonRetryable(
      'revoking sessions needs the time containment was requested',
      'InvalidRequest',
    );
  }
  // Graph keeps signInSessionsValidFromDateTime to the second.
  const since = Math.floor(Date.parse(request.requestedAt) / 1000) * 1000;
  const validFrom = user.signInSessionsValidFromDateTime
    ? Date.parse(user.signInSessionsValidFromDateTime)
    : Number.NaN;
  return !Number.isNaN(validFrom) && validFrom >= since;
}
