import { formatDuration } from '../../common/duration';
import type { PostureFinding, PostureRoutine } from '../../common/posture';
import type { GuestAccount, PostureDirectory } from '../ports';

/** Each check: what it finds now, and whether one subject's finding still applies. */

/** At most this many findings per run: a tenant in a bad state is told in batches, not flooded. */
export const MAX_FINDINGS_PER_RUN = 200;

type Routine<C extends PostureRoutine['check']> = Extract<PostureRoutine, { check: C }>;

/** When the guest last tried to sign in, else when it was created (staleness is judged here, per §8). */
function lastActivity(guest: GuestAccount): number | undefined {
  const at = guest.lastSignInDateTime ?? guest.createdDateTime;
  return at ? Date.parse(at) : undefined;
}

function isStale(guest: GuestAccount, routine: Routine<'stale-guests'>, now: number): boolean {
  if (guest.accountEnabled === false) return false;
  const last = lastActivity(guest);
  return last !== undefined && now - last >= routine.parameters.inactiveForMs;
}

const guestLabel = (g: GuestAccount) => g.mail ?? g.userPrincipalName ?? g.displayName ?? g.id;

async function staleGuests(directory: PostureDirectory, routine: Routine<'stale-guests'>, now: number) {
  const stale = (await directory.guests()).filter((g) => isStale(g, routine, now)).slice(0, MAX_FINDINGS_PER_RUN);
  return Promise.all(
    stale.map(async (guest): Promise<PostureFinding> => {
      const [sponsor] = await directory.sponsors(guest.id);
      return {
        subject: {
          id: guest.id,
          label: guestLabel(guest),
          ...(guest.userPrincipalName ? { userPrincipalName: guest.userPrincipalName } : {}),
        },
        summary: `Guest ${guestLabel(guest)} has not signed in for ${formatDuration(routine.parameters.inactiveForMs)}`,
        facts: [
          { label: 'Last sign-in', value: guest.lastSignInDateTime ?? 'never' },
          { label: 'Created', value: guest.createdDateTime ?? 'unknown' },
          { label: 'Invitation', value: guest.externalUserState ?? 'unknown' },
          { label: 'Sponsor', value: sponsor?.label ?? 'none' },
        ],
        ...(sponsor ? { askee: sponsor } : {}),
      };
    }),
  );
}

async function privilegedWithoutMfa(
  directory: PostureDirectory,
  routine: Routine<'privileged-without-mfa'>,
  ids?: string[],
) {
  const assignments = (await directory.privilegedAssignments(routine.parameters.roleDefinitionIds)).filter(
    (a) => a.principal.kind === 'user' && (!ids || ids.includes(a.principal.id)),
  );
  const members = new Map<string, { upn?: string; label: string; roles: string[] }>();
  for (const { principal, roleDefinitionId } of assignments) {
    const member = members.get(principal.id) ?? {
      ...(principal.userPrincipalName ? { upn: principal.userPrincipalName } : {}),
      label: principal.userPrincipalName ?? principal.displayName ?? principal.id,
      roles: [],
    };
    member.roles.push(roleDefinitionId);
    members.set(principal.id, member);
  }
  if (members.size === 0) return [];
  const registered = new Map((await directory.mfaRegistrations([...members.keys()])).map((r) => [r.id, r]));
  return [...members]
    .filter(([id]) => registered.get(id)?.isMfaRegistered !== true)
    .slice(0, MAX_FINDINGS_PER_RUN)
    .map(([id, member]): PostureFinding => {
      const registration = registered.get(id);
      return {
        subject: { id, label: member.label, ...(member.upn ? { userPrincipalName: member.upn } : {}) },
        summary: `Privileged account ${member.label} has no MFA method registered`,
        facts: [
          { label: 'Roles', value: member.roles.join(', ') },
          {
            label: 'Methods registered',
            value: registration
              ? registration.methodsRegistered.join(', ') || 'none'
              : 'not in the registration report',
          },
        ],
        askee: { objectId: id, ...(member.upn ? { userPrincipalName: member.upn } : {}), label: member.label },
      };
    });
}

async function riskyUsers(directory: PostureDirectory) {
  const risky = (await directory.riskyUsers()).filter((u) => u.riskLevel === 'high' && u.riskState === 'atRisk');
  return risky.slice(0, MAX_FINDINGS_PER_RUN).map((user): PostureFinding => ({
    subject: { id: user.id, label: user.userPrincipalName, userPrincipalName: user.userPrincipalName },
    summary: `Identity Protection rates ${user.userPrincipalName} high risk`,
    facts: [
      { label: 'Risk', value: `${user.riskLevel} (${user.riskState})` },
      { label: 'Detail', value: user.riskDetail ?? 'none' },
      { label: 'Risk last updated', value: user.riskLastUpdatedDateTime ?? 'unknown' },
    ],
    ...(user.riskLastUpdatedDateTime ? { observedAt: user.riskLastUpdatedDateTime } : {}),
  }));
}

/** The checks that read the directory (the others read this product's own cases: ./containment.ts). */
export type DirectoryRoutine = Routine<'stale-guests' | 'privileged-without-mfa' | 'risky-users-without-case'>;

export function findIssues(
  directory: PostureDirectory,
  routine: DirectoryRoutine,
  now: number,
): Promise<PostureFinding[]> {
  switch (routine.check) {
    case 'stale-guests':
      return staleGuests(directory, routine, now);
    case 'privileged-without-mfa':
      return privilegedWithoutMfa(directory, routine);
    case 'risky-users-without-case':
      return riskyUsers(directory);
  }
}

/** Whether the finding about `subjectId` still holds; false means someone fixed it. */
export async function stillApplies(
  directory: PostureDirectory,
  routine: DirectoryRoutine,
  subjectId: string,
  now: number,
): Promise<boolean> {
  switch (routine.check) {
    case 'stale-guests': {
      const guest = await directory.guest(subjectId);
      return guest !== undefined && isStale(guest, routine, now);
    }
    case 'privileged-without-mfa':
      return (await privilegedWithoutMfa(directory, routine, [subjectId])).length > 0;
    case 'risky-users-without-case':
      return (await directory.riskyUsers()).some(
        (u) => u.id === subjectId && u.riskLevel === 'high' && u.riskState === 'atRisk',
      );
  }
}
