import type { UnifiedRoleAssignment, UserRegistrationDetails } from '@microsoft/microsoft-graph-types';
import type { StandInRoutes } from './context';
import type { StandInUser } from './model';
import { filterItems, selected } from './odata';
import { GRAPH_RESOURCE, HttpError } from './responses';
import { v1 } from './routes';
import { findUser, userRead, userView } from './users';

/**
 * What the posture routines read (integration notes §8): guests with `signInActivity`, sponsors, role assignments
 * with `$expand=principal`, the MFA registration report and the risky-user list, in Graph's shapes and quirks.
 */

const auditRead = ['AuditLog.Read.All', 'Directory.Read.All'];
const roleRead = ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'Directory.Read.All'];
const riskRead = ['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All'];

function registration(user: StandInUser): UserRegistrationDetails {
  const methods = user.methodsRegistered ?? [];
  const strong = methods.filter((m) => m !== 'email' && m !== 'securityQuestion');
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    userDisplayName: user.displayName,
    userType: user.userType === 'Guest' ? 'guest' : 'member',
    isAdmin: (user.roleDefinitionIds ?? []).length > 0,
    isSsprRegistered: methods.length > 0,
    isSsprEnabled: false,
    isSsprCapable: false,
    isMfaRegistered: strong.length > 0,
    isMfaCapable: strong.length > 0,
    isPasswordlessCapable: methods.includes('fido2') || methods.includes('windowsHelloForBusiness'),
    isSystemPreferredAuthenticationMethodEnabled: false,
    methodsRegistered: methods,
    defaultMfaMethod: strong.length ? 'microsoftAuthenticatorPush' : 'none',
    lastUpdatedDateTime: new Date().toISOString(),
  } as UserRegistrationDetails;
}

export const postureRoutes: StandInRoutes = ({ route, live, pager }) => {
  route('GET', `${v1}/users`, 'listUsers', GRAPH_RESOURCE, [userRead], ({ query, path }) => {
    const next = pager.nextPage(path, query);
    if (next) return next;
    const select = selected(query);
    // signInActivity needs AuditLog.Read.All as well; Graph answers 403 without it.
    if (select?.includes('signInActivity') && !auditRead.some((p) => live.state.app.permissions.includes(p))) {
      throw new HttpError(
        403,
        'Authentication_RequestFromUnsupportedUserRole',
        'Insufficient privileges to complete the operation.',
      );
    }
    const users = filterItems(live.state.users, query.$filter, { times: [], equals: ['userType'] });
    return pager.page(
      path,
      users.map((u) => userView(u, select)),
      query.$top ? Number(query.$top) : 100,
      `${live.url}${v1}/$metadata#users`,
    );
  });

  route('GET', `${v1}/users/:id/sponsors`, 'listSponsors', GRAPH_RESOURCE, [userRead], ({ params, query, path }) => {
    const user = findUser(live.state, params.id!);
    const sponsors = (user.sponsorIds ?? [])
      .map((id) => live.state.users.find((u) => u.id === id))
      .filter((u): u is StandInUser => Boolean(u))
      .map((u) => userView(u, selected(query), true));
    return pager.page(path, sponsors, 100, `${live.url}${v1}/$metadata#directoryObjects`);
  });

  route(
    'GET',
    `${v1}/roleManagement/directory/roleAssignments`,
    'listRoleAssignments',
    GRAPH_RESOURCE,
    [roleRead],
    ({ query, path }) => {
      const next = pager.nextPage(path, query);
      if (next) return next;
      if (query.$expand !== undefined && query.$expand !== 'principal')
        throw new HttpError(400, 'BadRequest', `Could not find a navigation property named '${query.$expand}'.`);
      const assignments = live.state.users.flatMap((u) =>
        (u.roleDefinitionIds ?? []).map((roleDefinitionId) => ({
          id: `${roleDefinitionId.slice(0, 8)}-${u.id}`,
          principalId: u.id,
          roleDefinitionId,
          directoryScopeId: '/',
          ...(query.$expand === 'principal' ? { principal: userView(u, undefined, true) } : {}),
        })),
      ) satisfies UnifiedRoleAssignment[];
      const items = filterItems(assignments, query.$filter, { times: [], equals: ['roleDefinitionId', 'principalId'] });
      return pager.page(path, items, 100, `${live.url}${v1}/$metadata#roleManagement/directory/roleAssignments`);
    },
  );

  route(
    'GET',
    `${v1}/reports/authenticationMethods/userRegistrationDetails`,
    'listRegistrationDetails',
    GRAPH_RESOURCE,
    [auditRead],
    ({ query, path }) => {
      const next = pager.nextPage(path, query);
      if (next) return next;
      for (const option of ['$select', '$top', '$expand', '$count']) {
        if (query[option] !== undefined)
          throw new HttpError(
            400,
            'BadRequest',
            `Query option '${option}' is not allowed. Allowed: $filter, $orderby.`,
          );
      }
      const items = filterItems(
        live.state.users.filter((u) => u.userType !== 'Guest').map(registration),
        query.$filter,
        {
          times: [],
          equals: ['id', 'userPrincipalName', 'isAdmin', 'isMfaRegistered'],
        },
      );
      return pager.page(
        path,
        items,
        999,
        `${live.url}${v1}/$metadata#reports/authenticationMethods/userRegistrationDetails`,
      );
    },
  );

  route(
    'GET',
    `${v1}/identityProtection/riskyUsers`,
    'listRiskyUsers',
    GRAPH_RESOURCE,
    [riskRead],
    ({ query, path }) => {
      const next = pager.nextPage(path, query);
      if (next) return next;
      const items = filterItems(live.state.riskyUsers, query.$filter, {
        times: [],
        equals: ['riskLevel', 'riskState'],
      });
      return pager.page(
        path,
        items,
        query.$top ? Number(query.$top) : 100,
        `${live.url}${v1}/$metadata#identityProtection/riskyUsers`,
      );
    },
  );
};
