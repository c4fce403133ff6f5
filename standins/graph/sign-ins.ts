import type { RiskyUser } from '@microsoft/microsoft-graph-types';
import type { StandInRoutes } from './context';
import { filterItems, topOf } from './odata';
import { GRAPH_RESOURCE, HttpError } from './responses';
import { v1 } from './routes';

/** Sign-in logs (newest first, filtered by time and user) and Identity Protection's risky users. */

export const signInRoutes: StandInRoutes = ({ route, live, pager }) => {
  route('GET', `${v1}/auditLogs/signIns`, 'signIns', GRAPH_RESOURCE, [['AuditLog.Read.All']], ({ query, path }) => {
    const next = pager.nextPage(path, query);
    if (next) return next;
    const items = filterItems(live.state.signIns, query.$filter, {
      times: ['createdDateTime'],
      equals: ['userId', 'userPrincipalName'],
      ignoreCase: true,
    });
    items.sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
    return pager.page(path, items, topOf(query, 1000), `${live.url}${v1}/$metadata#auditLogs/signIns`);
  });

  route(
    'GET',
    `${v1}/identityProtection/riskyUsers/:id`,
    'riskyUser',
    GRAPH_RESOURCE,
    [['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All']],
    ({ params }) => {
      const risky = live.state.riskyUsers.find((r) => r.id === params.id);
      if (!risky) throw new HttpError(404, 'ResourceNotFound', `The riskyUser with id ${params.id} was not found.`);
      return {
        status: 200,
        body: {
          '@odata.context': `${live.url}${v1}/$metadata#identityProtection/riskyUsers/$entity`,
          ...(risky satisfies RiskyUser),
        },
      };
    },
  );
};
