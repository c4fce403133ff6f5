import { ApplicationFailure } from '@temporalio/common';
import type { RangeEdit, RangeEditResult } from '../../common/named-location';
import type { NamedLocationEditor } from '../ports';
import { anyCovers, hostRange, isHostRangeOf } from './cidr';
import type { Call } from './errors';
import { segment, type ApiClient } from './http';
import { namedLocationSchema, type CidrRange } from './schemas';

export const namedLocationPermissions = {
  read: 'Policy.Read.All',
  write: 'Policy.Read.All and Policy.ReadWrite.ConditionalAccess',
} as const;

/**
 * The Conditional Access IP named location used by a block policy. `applyEdits` is one read-modify-write of the
 * whole list (Graph's PATCH replaces it); only the location's writer workflow calls it, so writes never interleave.
 */
export class GraphNamedLocations implements NamedLocationEditor {
  constructor(
    private readonly graph: ApiClient,
    private readonly locationId: string | undefined,
  ) {}

  private call(what: string, permission: string): Call {
    return {
      service: 'Microsoft Graph',
      what,
      permission,
      notFound: `the Conditional Access named location ${this.locationId} (GRAPH_BLOCKED_IP_LOCATION_ID) does not exist`,
    };
  }

  async read(): Promise<{ path: string; ranges: CidrRange[] }> {
    const id = this.locationId;
    if (!id) {
      throw ApplicationFailure.nonRetryable(
        'no Conditional Access named location is configured for blocked IPs (set GRAPH_BLOCKED_IP_LOCATION_ID)',
        'NotConfigured',
      );
    }
    const path = `/identity/conditionalAccess/namedLocations/${segment(id)}`;
    const location = await this.graph.get(
      path,
      namedLocationSchema,
      this.call('reading the blocked-IP named location', namedLocationPermissions.read),
    );
    if (location['@odata.type'] !== '#microsoft.graph.ipNamedLocation') {
      throw ApplicationFailure.nonRetryable(
        `the named location ${id} is a ${location['@odata.type'].replace('#microsoft.graph.', '')}, not an IP named location`,
        'NotConfigured',
      );
    }
    const ranges = (location.ipRanges ?? []).flatMap((r) => {
      const cidr = r.cidrAddress;
      const type = r['@odata.type'];
      return typeof cidr === 'string' &&
        (type === '#microsoft.graph.iPv4CidrRange' || type === '#microsoft.graph.iPv6CidrRange')
        ? [{ '@odata.type': type, cidrAddress: cidr } as CidrRange]
        : [];
    });
    if (ranges.length !== (location.ipRanges ?? []).length) {
      throw ApplicationFailure.nonRetryable(
        `the named location ${id} holds ranges other than CIDR ranges; edit it in the portal`,
        'NotConfigured',
      );
    }
    return { path, ranges };
  }

  async applyEdits(edits: RangeEdit[]): Promise<RangeEditResult[]> {
    const { path, ranges } = await this.read();
    let next = ranges;
    const results = edits.map((edit): RangeEditResult => {
      const range = hostRange(edit.ip);
      if (!range) return { failed: `"${edit.ip}" is not an IP address`, permanent: true };
      if (edit.op === 'add') {
        if (anyCovers(next, edit.ip)) return { changed: false };
        next = [...next, range];
        return { changed: true };
      }
      // Only the exact range this product adds is removed; a wider range someone else added stays.
      if (!next.some((r) => isHostRangeOf(r, edit.ip))) return { changed: false };
      next = next.filter((r) => !isHostRangeOf(r, edit.ip));
      return { changed: true };
    });
    if (!results.some((r) => 'changed' in r && r.changed)) return results;
    const what = edits.map((e) => `${e.op === 'add' ? 'blocking' : 'unblocking'} ${e.ip}`).join(', ');
    await this.graph.patch(
      path,
      { '@odata.type': '#microsoft.graph.ipNamedLocation', ipRanges: next },
      this.call(`${what} in the named location`, namedLocationPermissions.write),
    );
    // Someone outside this product (the portal, a script) may have written meanwhile: check, and let a retry decide.
    const after = await this.read();
    const lost = edits.filter((edit, i) => {
      const result = results[i]!;
      if (!('changed' in result) || !result.changed) return false;
      const present = after.ranges.some((r) => isHostRangeOf(r, edit.ip));
      return edit.op === 'add' ? !present : present;
    });
    if (lost.length) {
      throw ApplicationFailure.create({
        message: `the blocked-IP named location changed while ${lost.map((e) => e.ip).join(', ')} was being edited; trying again`,
        type: 'ConcurrentUpdate',
      });
    }
    return results;
  }
}
