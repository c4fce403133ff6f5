import type { WorldUser } from './world';

/** The posture routines' part of the demo tenant: one finding per routine, and near misses that must not be found. */

export const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const SPONSOR = '11111111-1111-4111-8111-111111111111';

export const postureSubjects = {
  staleGuest: 'b0000000-0000-4000-8000-000000000001',
  freshGuest: 'b0000000-0000-4000-8000-000000000002',
  disabledGuest: 'b0000000-0000-4000-8000-000000000003',
  newGuest: 'b0000000-0000-4000-8000-000000000004',
  adminWithoutMfa: 'c0000000-0000-4000-8000-000000000001',
  adminWithMfa: 'c0000000-0000-4000-8000-000000000002',
  memberWithoutMfa: 'c0000000-0000-4000-8000-000000000003',
  riskyUser: 'd0000000-0000-4000-8000-000000000001',
  remediatedUser: 'd0000000-0000-4000-8000-000000000002',
} as const;

export function postureSeed(now = new Date()): WorldUser[] {
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const user = (id: string, upn: string, displayName: string, extra: Partial<WorldUser> = {}): WorldUser => ({
    id,
    userPrincipalName: upn,
    displayName,
    accountEnabled: true,
    groups: [],
    signIns: [],
    devices: [],
    sessionsValidFrom: daysAgo(30),
    ...extra,
  });
  const guest = (
    id: string,
    mail: string,
    posture: NonNullable<WorldUser['posture']>,
    extra: Partial<WorldUser> = {},
  ) =>
    user(id, `${mail.replace('@', '_')}#EXT#@contoso.example`, mail, {
      ...extra,
      posture: { userType: 'Guest', mail, sponsorIds: [SPONSOR], ...posture },
    });
  return [
    guest(postureSubjects.staleGuest, 'pat@fabrikam.example', {
      createdDateTime: daysAgo(400),
      lastSignInDateTime: daysAgo(200),
    }),
    guest(postureSubjects.freshGuest, 'sam@fabrikam.example', {
      createdDateTime: daysAgo(400),
      lastSignInDateTime: daysAgo(3),
    }),
    guest(
      postureSubjects.disabledGuest,
      'old@fabrikam.example',
      { createdDateTime: daysAgo(900), lastSignInDateTime: daysAgo(500) },
      { accountEnabled: false },
    ),
    guest(postureSubjects.newGuest, 'new@fabrikam.example', { createdDateTime: daysAgo(10) }),
    user(postureSubjects.adminWithoutMfa, 'root-admin@contoso.example', 'Robin Root', {
      posture: { userType: 'Member', roleDefinitionIds: [GLOBAL_ADMINISTRATOR], methodsRegistered: [] },
    }),
    user(postureSubjects.adminWithMfa, 'safe-admin@contoso.example', 'Sasha Safe', {
      posture: {
        userType: 'Member',
        roleDefinitionIds: [GLOBAL_ADMINISTRATOR],
        methodsRegistered: ['microsoftAuthenticatorPush'],
      },
    }),
    user(postureSubjects.memberWithoutMfa, 'plain@contoso.example', 'Pat Plain', {
      posture: { userType: 'Member', methodsRegistered: [] },
    }),
    user(postureSubjects.riskyUser, 'risky@contoso.example', 'Riley Risk', {
      risk: { riskLevel: 'high', riskState: 'atRisk', riskDetail: 'none', lastUpdated: daysAgo(1) },
    }),
    user(postureSubjects.remediatedUser, 'fixed@contoso.example', 'Fran Fixed', {
      risk: {
        riskLevel: 'high',
        riskState: 'remediated',
        riskDetail: 'userPerformedSecuredPasswordReset',
        lastUpdated: daysAgo(2),
      },
    }),
  ];
}
