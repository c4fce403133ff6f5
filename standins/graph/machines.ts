import type { StandInRoutes } from './context';
import type { DefenderMachine, GraphSeed } from './model';
import { DEFENDER_RESOURCE, HttpError } from './responses';

/** Defender for Endpoint machines: one by id or DNS name, and the list filtered by DNS name. */

export const machineRead = ['Machine.Read.All', 'Machine.ReadWrite.All'];

export function findMachine(state: GraphSeed, idOrName: string): GraphSeed['machines'][number] {
  const key = idOrName.toLowerCase();
  const machine = state.machines.find((m) => m.id.toLowerCase() === key || m.computerDnsName.toLowerCase() === key);
  if (!machine) throw new HttpError(404, 'ResourceNotFound', `Machine ${idOrName} was not found`);
  return machine;
}

export function machineView(machine: GraphSeed['machines'][number]): DefenderMachine {
  const { isolated: _isolated, ...view } = machine;
  return view;
}

export const machineRoutes: StandInRoutes = ({ route, live }) => {
  route('GET', '/api/machines/:id', 'getMachine', DEFENDER_RESOURCE, [machineRead], ({ params }) => {
    return {
      status: 200,
      body: {
        '@odata.context': `${live.url}/api/$metadata#Machines/$entity`,
        ...machineView(findMachine(live.state, params.id!)),
      },
    };
  });

  // Defender for Endpoint's machine list: $filter on computerDnsName (eq, startswith), as the adapters use it.
  route('GET', '/api/machines', 'listMachines', DEFENDER_RESOURCE, [machineRead], ({ query }) => {
    let machines = live.state.machines;
    if (query.$filter) {
      const eq = /^computerDnsName eq '([^']*)'$/i.exec(query.$filter.trim());
      const startsWith = /^startswith\(computerDnsName,\s*'([^']*)'\)$/i.exec(query.$filter.trim());
      if (!eq && !startsWith) throw new HttpError(400, 'InvalidRequestBody', `Invalid filter: ${query.$filter}`);
      const wanted = (eq ?? startsWith)![1]!.toLowerCase();
      machines = machines.filter((m) =>
        eq ? m.computerDnsName.toLowerCase() === wanted : m.computerDnsName.toLowerCase().startsWith(wanted),
      );
    }
    return {
      status: 200,
      body: { '@odata.context': `${live.url}/api/$metadata#Machines`, value: machines.map(machineView) },
    };
  });
};
