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
const machineListSchema = z.object({ value: z.array(machineSchema) });

export const activeStatuses = new Set(['Pending', 'InProgress']);

export class DefenderClient implements EndpointDirectory {
  constructor(private readonly api: ApiClient) {}

  private call(what: string, permission: string, notFound?: string): Call {
    return { service: 'Defender for Endpoint', what, permission, notFound };
  }

  /**
   * A machine by its Defender id or its computer DNS name. SIEMs often name a host by its short name (`LAPTOP-JDOE`)
   * while Defender knows it by its FQDN: a short name that is not found directly is looked up as `<name>.*`, and used
   * when it names exactly one computer (re-onboarded duplicates of it: the one seen last).
   */
  async machine(host: string): Promise<Machine> {
    const notFound = `machine not found in Defender for Endpoint: ${host}`;
    const call = this.call(`looking up machine ${host}`, defenderPermissions.read, notFound);
    const shortName = !host.includes('.') && /^[A-Za-z0-9-]{1,63}$/.test(host);
    if (!shortName) return this.api.get(`/machines/${segment(host)}`, machineSchema, call);
    const direct = await this.api.find(`/machines/${segment(host)}`, machineSchema, call);
    if (direct) return direct;
    const prefix = `${host.toLowerCase()}.`;
    const { value } = await this.api.get(
      '/machines',
      machineListSchema,
      this.call(`looking up machine ${host} by its short name`, defenderPermissions.read),
      (r) => r.filter(`startswith(computerDnsName,'${prefix}')`),
    );
    const matches = value.filter((m) => m.computerDnsName.toLowerCase().startsWith(prefix));
    const names = [...new Set(matches.map((m) => m.computerDnsName.toLowerCase()))];
    if (names.length === 0) throw ApplicationFailure.nonRetryable(notFound, 'GraphNotFound');
    if (names.length > 1) {
      throw ApplicationFailure.nonRetryable(
        `${host} is ambiguous in Defender for Endpoint: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}; the alert must name the host by its FQDN`,
        'DefenderAmbiguousHost',
      );
    }
    return matches.sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))[0]!;
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

  /** Cancels a machine action that has not run yet (`POST /machineactions/{id}/cancel`). */
  async cancel(action: MachineAction, machine: Machine, comment: string): Promise<MachineAction> {
    return this.api.post(
      `/machineactions/${segment(action.id)}/cancel`,
      { Comment: comment },
      machineActionSchema,
      this.call(`cancelling the pending ${action.type} of ${machine.computerDnsName}`, defenderPermissions.isolate),
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
