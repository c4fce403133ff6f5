import type { Device, ManagedDevice } from '@microsoft/microsoft-graph-types';
import type { StandInRoutes } from './context';
import type { GraphSeed } from './model';
import { pick, selected } from './odata';
import { GRAPH_RESOURCE } from './responses';
import { v1, type RouteName } from './routes';
import { findUser, userRead } from './users';

/** A user's devices: registered and owned Entra ID devices, and Intune managed devices. */

export const deviceRoutes: StandInRoutes = ({ route, live, pager }) => {
  const deviceRoute = (segment: 'registeredDevices' | 'ownedDevices', name: RouteName) =>
    route('GET', `${v1}/users/:id/${segment}`, name, GRAPH_RESOURCE, [userRead], ({ params, query, path }) => {
      const next = pager.nextPage(path, query);
      if (next) return next;
      const user = findUser(live.state, params.id!);
      const ids = segment === 'registeredDevices' ? user.registeredDeviceIds : user.ownedDeviceIds;
      const items = ids
        .map((id) => live.state.devices.find((d) => d.id === id))
        .filter((d): d is GraphSeed['devices'][number] => Boolean(d))
        .map((device) =>
          pick(
            { '@odata.type': '#microsoft.graph.device', ...device } satisfies Device & { '@odata.type': string },
            selected(query),
            ['@odata.type', 'id'],
          ),
        );
      return pager.page(
        path,
        items,
        query.$top ? Number(query.$top) : 100,
        `${live.url}${v1}/$metadata#directoryObjects`,
      );
    });
  deviceRoute('registeredDevices', 'registeredDevices');
  deviceRoute('ownedDevices', 'ownedDevices');

  route(
    'GET',
    `${v1}/users/:id/managedDevices`,
    'managedDevices',
    GRAPH_RESOURCE,
    [['DeviceManagementManagedDevices.Read.All', 'DeviceManagementManagedDevices.ReadWrite.All']],
    ({ params, query, path }) => {
      const next = pager.nextPage(path, query);
      if (next) return next;
      const user = findUser(live.state, params.id!);
      const items = live.state.managedDevices
        .filter((d) => d.userId === user.id)
        .map((device) => pick(device satisfies ManagedDevice, selected(query), ['id']));
      return pager.page(
        path,
        items,
        query.$top ? Number(query.$top) : 100,
        `${live.url}${v1}/$metadata#users('${user.id}')/managedDevices`,
      );
    },
  );
};
