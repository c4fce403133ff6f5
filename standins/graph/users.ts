import type { User } from '@microsoft/microsoft-graph-types';
import { z } from 'zod';
import type { StandInRoutes } from './context';
import type { DirectoryEntry, GraphSeed, StandInUser } from './model';
import { pick, selected } from './odata';
import { GRAPH_RESOURCE, HttpError, seconds } from './responses';
import { v1 } from './routes';

/** Users: read, manager, transitive memberships, enable/disable, and revoking sign-in sessions. */

export const userRead = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

const userProperties = [
  'id',
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'jobTitle',
  'department',
  'officeLocation',
  'mobilePhone',
  'businessPhones',
  'preferredLanguage',
  'accountEnabled',
  'onPremisesSyncEnabled',
  'signInSessionsValidFromDateTime',
  'userType',
  'createdDateTime',
  'externalUserState',
  'signInActivity',
] as const;
const defaultUserProperties = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

const userPatch = z.object({ accountEnabled: z.boolean() }).strict();

export { userProperties, userView };

export function findUser(state: GraphSeed, idOrUpn: string): StandInUser {
  const key = idOrUpn.toLowerCase();
  const user = state.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
  if (!user) {
    throw new HttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  return user;
}

function userView(user: StandInUser, select: string[] | undefined, withType = false): Record<string, unknown> {
  const fields = select ?? defaultUserProperties;
  const view: Record<string, unknown> = withType ? { '@odata.type': '#microsoft.graph.user' } : {};
  for (const field of fields) {
    if (!(userProperties as readonly string[]).includes(field)) {
      throw new HttpError(
        400,
        'Request_BadRequest',
        `Could not find a property named '${field}' on type 'Microsoft.DirectoryServices.User'.`,
      );
    }
    view[field] = (user as unknown as Record<string, unknown>)[field] ?? (field === 'businessPhones' ? [] : null);
  }
  return view satisfies User;
}

/** Without a permission to read a member's type, Graph still lists it, but with only its type and id. */
function readableDirectoryEntry(state: GraphSeed, entry: DirectoryEntry): boolean {
  const granted = new Set(state.app.permissions);
  const any = (...perms: string[]) => perms.some((p) => granted.has(p));
  switch (entry['@odata.type']) {
    case '#microsoft.graph.group':
      return any('GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All');
    case '#microsoft.graph.directoryRole':
      return any('RoleManagement.Read.Directory', 'Directory.Read.All');
    case '#microsoft.graph.administrativeUnit':
      return any('AdministrativeUnit.Read.All', 'Directory.Read.All');
  }
}

export const userRoutes: StandInRoutes = ({ route, live, pager, effects }) => {
  route('GET', `${v1}/users/:id`, 'getUser', GRAPH_RESOURCE, [userRead], ({ params, query }) => {
    const user = findUser(live.state, params.id!);
    return {
      status: 200,
      body: { '@odata.context': `${live.url}${v1}/$metadata#users/$entity`, ...userView(user, selected(query)) },
    };
  });

  route(
    'PATCH',
    `${v1}/users/:id`,
    'updateUser',
    GRAPH_RESOURCE,
    [['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']],
    ({ params, body }) => {
      const user = findUser(live.state, params.id!);
      const parsed = userPatch.safeParse(body);
      if (!parsed.success)
        throw new HttpError(400, 'Request_BadRequest', `Invalid request body: ${parsed.error.issues[0]?.message}`);
      if (user.onPremisesSyncEnabled) {
        throw new HttpError(
          400,
          'Request_BadRequest',
          'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
        );
      }
      user.accountEnabled = parsed.data.accountEnabled;
      effects.count(user.userPrincipalName, parsed.data.accountEnabled ? 'enable-account' : 'disable-account');
      return { status: 204 };
    },
  );

  route('GET', `${v1}/users/:id/manager`, 'getManager', GRAPH_RESOURCE, [userRead], ({ params, query }) => {
    const user = findUser(live.state, params.id!);
    const manager = user.managerId ? live.state.users.find((u) => u.id === user.managerId) : undefined;
    if (!manager)
      throw new HttpError(
        404,
        'Request_ResourceNotFound',
        `Resource 'manager' does not exist or one of its queried reference-property objects are not present.`,
      );
    return {
      status: 200,
      body: {
        '@odata.context': `${live.url}${v1}/$metadata#directoryObjects/$entity`,
        ...userView(manager, selected(query), true),
      },
    };
  });

  route(
    'GET',
    `${v1}/users/:id/transitiveMemberOf`,
    'transitiveMemberOf',
    GRAPH_RESOURCE,
    [userRead],
    ({ req, params, query, path }) => {
      const next = pager.nextPage(path, query);
      if (next) return next;
      const user = findUser(live.state, params.id!);
      const wantsCount = query.$count === 'true';
      if (wantsCount && String(req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
        throw new HttpError(400, 'Request_BadRequest', '$count is not currently supported.');
      }
      const select = selected(query);
      const items = user.memberOf
        .map((id) => live.state.directoryObjects.find((o) => o.id === id))
        .filter((o): o is DirectoryEntry => Boolean(o))
        .map((entry) =>
          readableDirectoryEntry(live.state, entry)
            ? pick(entry, select, ['@odata.type', 'id'])
            : { '@odata.type': entry['@odata.type'], id: entry.id, displayName: null },
        );
      return pager.page(
        path,
        items,
        query.$top ? Number(query.$top) : 100,
        `${live.url}${v1}/$metadata#directoryObjects`,
        wantsCount ? { '@odata.count': items.length } : {},
      );
    },
  );

  route(
    'POST',
    `${v1}/users/:id/revokeSignInSessions`,
    'revokeSignInSessions',
    GRAPH_RESOURCE,
    [['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']],
    ({ params }) => {
      const user = findUser(live.state, params.id!);
      user.signInSessionsValidFromDateTime = seconds(new Date());
      effects.count(user.userPrincipalName, 'revoke-sessions');
      return { status: 200, body: { '@odata.context': `${live.url}${v1}/$metadata#Edm.Boolean`, value: true } };
    },
  );
};
