import type { GuestAccount, MfaRegistration, PostureDirectory, PrivilegedAssignment, RiskyUser } from '../ports';
import type { World, WorldUser } from './world';

/** The posture reads over the in-memory world (demos and workflow tests); the world's users carry `posture` facts. */
export function createInMemoryPostureDirectory(world: World): PostureDirectory {
  const users = () => world.reload().data.users;
  const asGuest = (u: WorldUser): GuestAccount => ({
    id: u.id,
    displayName: u.displayName,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    ...(u.posture?.mail ? { mail: u.posture.mail } : {}),
    ...(u.posture?.createdDateTime ? { createdDateTime: u.posture.createdDateTime } : {}),
    ...(u.posture?.lastSignInDateTime ? { lastSignInDateTime: u.posture.lastSignInDateTime } : {}),
    externalUserState: 'Accepted',
  });
  const isGuest = (u: WorldUser) => u.posture?.userType === 'Guest';
  return {
    async guests() {
      return users().filter(isGuest).map(asGuest);
    },
    async guest(id) {
      const user = users().find((u) => u.id === id && isGuest(u));
      return user && asGuest(user);
    },
    async sponsors(userId) {
      const ids = users().find((u) => u.id === userId)?.posture?.sponsorIds ?? [];
      return users()
        .filter((u) => ids.includes(u.id))
        .map((u) => ({ objectId: u.id, userPrincipalName: u.userPrincipalName, label: u.userPrincipalName }));
    },
    async privilegedAssignments(roleDefinitionIds) {
      return users().flatMap((u) =>
        (u.posture?.roleDefinitionIds ?? [])
          .filter((role) => roleDefinitionIds.includes(role))
          .map((roleDefinitionId): PrivilegedAssignment => ({
            roleDefinitionId,
            principal: { id: u.id, kind: 'user', userPrincipalName: u.userPrincipalName, displayName: u.displayName },
          })),
      );
    },
    async mfaRegistrations(ids) {
      return users()
        .filter((u) => !ids || ids.includes(u.id))
        .map((u): MfaRegistration => ({
          id: u.id,
          userPrincipalName: u.userPrincipalName,
          isMfaRegistered: (u.posture?.methodsRegistered ?? []).length > 0,
          methodsRegistered: u.posture?.methodsRegistered ?? [],
        }));
    },
    async riskyUsers() {
      return users().flatMap((u): RiskyUser[] =>
        u.risk
          ? [
              {
                id: u.id,
                userPrincipalName: u.userPrincipalName,
                riskLevel: u.risk.riskLevel,
                riskState: u.risk.riskState,
                ...(u.risk.riskDetail ? { riskDetail: u.risk.riskDetail } : {}),
                ...(u.risk.lastUpdated ? { riskLastUpdatedDateTime: u.risk.lastUpdated } : {}),
              },
            ]
          : [],
      );
    },
  };
}
