import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { HostDetails } from '../../common/triage';
import type { EndpointDirectory } from '../ports';
import type { Call } from './errors';
import { segment, type ApiClient } from './http';
import { machineActionSchema, machineSchema, type MachineAction } from './schemas';

/** Defender for Endpoint: machine records, and the isolate / unisolate machine actions. */

export const defenderPermissions = { read: 'Machine.Read.All', isolate: 'Machine.Isolate' } as const;

export type Machine = z.infer<typeof machineSchema>;

const machineIdPattern = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);
const actionListSchema = z.object({ value: z.array(machineActionSchema) });

export const activeStatuses = new Set(['Pending', 'InProgress']);

export class DefenderClient implements EndpointDirectory {
  constructor(private readonly api: ApiClient) {}

  private call(what: string, permission: string, notFound?: string): Call {
    return { service: 'Defender for Endpoint', what, permission, notFound };
  }

  /** A machine by its Defender id or its computer DNS name. */
  async machine(host: string): Promise<Machine> {
    return this.api.get(
      `/machines/${segment(host)}`,
      machineSchema,
      this.call(
        `looking up machine ${host}`,
        defenderPermissions.read,
        `machine not found in Defender for Endpoint: ${host}`,
      ),
    );
  }

  async hostDetails(host: string): Promise<HostDetails> {
    const m = await this.machine(host);
    return {
      id: m.id,
      name: m.computerDnsName,
      operatingSystem: m.osPlatform ?? undefined,
      healthStatus: m.healthStatus ?? undefined,
      riskScore: m.riskScore ?? undefined,
      exposureLevel: m.exposureLevel ?? undefined,
      lastSeen: m.lastSeen ?? undefined,
      lastIpAddress: m.lastIpAddress ?? undefined,
    };
  }

  /** Every Isolate and Unisolate action on the machine, newest first. */
  async isolationActions(machine: Machine): Promise<MachineAction[]> {
    const id = machineIdPattern.safeParse(machine.id);
    if (!id.success)
      throw ApplicationFailure.nonRetryable(
        `Defender returned an unusable machine id "${machine.id}"`,
        'GraphUnexpectedResponse',
      );
    const list = (type: 'Isolate' | 'Unisolate') =>
      this.api.get(
        '/machineactions',
        actionListSchema,
        this.call(`listing ${type} actions on ${machine.computerDnsName}`, defenderPermissions.read),
        (r) => r.filter(`machineId eq '${id.data}' and type eq '${type}'`),
      );
    const [isolate, unisolate] = await Promise.all([list('Isolate'), list('Unisolate')]);
    return [...isolate.value, ...unisolate.value].sort((a, b) =>
      b.creationDateTimeUtc.localeCompare(a.creationDateTimeUtc),
    );
  }

  async action(id: string, machine: Machine): Promise<MachineAction> {
    return this.api.get(
      `/machineactions/${segment(id)}`,
      machineActionSchema,
      this.call(`checking machine action ${id} on ${machine.computerDnsName}`, defenderPermissions.read),
    );
  }

  async isolate(machine: Machine, comment: string, isolationType: 'Full' | 'Selective'): Promise<MachineAction> {
    return this.api.post(
      `/machines/${segment(machine.id)}/isolate`,
      { Comment: comment, IsolationType: isolationType },
      machineActionSchema,
      this.call(`isolating ${machine.computerDnsName}`, defenderPermissions.isolate),
    );
  }

  async release(machine: Machine, comment: string): Promise<MachineAction> {
    return this.api.post(
      `/machines/${segment(machine.id)}/unisolate`,
      { Comment: comment },
      machineActionSchema,
      this.call(`releasing ${machine.computerDnsName} from isolation`, defenderPermissions.isolate),
    );
  }
}
