import type { StandInRoutes } from './context';
import { filterItems, topOf } from './odata';
import { GRAPH_RESOURCE } from './responses';
import { v1 } from './routes';

/** Defender XDR alerts (`alerts_v2`), as the Defender poll reads them. */

export const alertRoutes: StandInRoutes = ({ route, live, pager }) => {
  // Defender XDR alerts: newest first, like Graph; $filter on the documented properties (times and equality).
  route(
    'GET',
    `${v1}/security/alerts_v2`,
    'listSecurityAlerts',
    GRAPH_RESOURCE,
    [['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All']],
    ({ query, path }) => {
      const next = pager.nextPage(path, query);
      if (next) return next;
      const items = filterItems(live.state.securityAlerts, query.$filter, {
        times: ['createdDateTime', 'lastUpdateDateTime'],
        equals: ['status', 'severity', 'serviceSource', 'classification', 'determination'],
      });
      items.sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
      return pager.page(path, items, topOf(query, 2000), `${live.url}${v1}/$metadata#security/alerts_v2`);
    },
  );
};
