import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import type { RangeEdit } from '../../common/named-location';
import type { ContainmentOutcome, ContainmentRequest, UndoOutcome } from '../../common/triage';
import { checkThenAct, checkThenUndo } from '../containment-protocol';
import type { LocationWrites } from '../named-location-writes';
import { anyCovers, isHostRangeOf } from './cidr';
import type { GraphNamedLocations } from './named-locations';

/**
 * Blocking an IP at sign-in through the Conditional Access named location a block policy uses. Reads go straight to
 * the location; edits go through its single writer, keyed by case, so a retry never edits twice.
 */
export class GraphIpBlocks {
  constructor(private readonly locations: { reader: GraphNamedLocations; writes: LocationWrites }) {}

  async isBlocked(request: ContainmentRequest): Promise<boolean> {
    return anyCovers((await this.locations.reader.read()).ranges, ipOf(request));
  }

  async block(request: ContainmentRequest): Promise<ContainmentOutcome> {
    const ip = ipOf(request);
    const { ranges } = await this.locations.reader.read();
    return checkThenAct({
      request,
      target: ip,
      isInPlace: async () => anyCovers(ranges, ip),
      act: () => this.edit({ op: 'add', ip }, request.workflowId),
      describe: { applied: 'IP blocked at sign-in', alreadyInPlace: 'IP was already blocked' },
    });
  }

  async unblock(request: ContainmentRequest): Promise<UndoOutcome> {
    const ip = ipOf(request);
    const { ranges } = await this.locations.reader.read();
    return checkThenUndo({
      // Only the exact range this product adds is removed; a wider range someone else added stays.
      isInPlace: async () => ranges.some((r) => isHostRangeOf(r, ip)),
      undo: () => this.edit({ op: 'remove', ip }, request.workflowId),
      describe: { undone: 'IP unblocked', nothingToUndo: 'IP was not blocked' },
    });
  }

  private async edit(edit: RangeEdit, workflowId: string): Promise<void> {
    // The key becomes an update id, which is stored in plain text (ids bypass the payload codec): the IP is hashed.
    const ipDigest = createHash('sha256').update(edit.ip).digest('hex').slice(0, 24);
    await this.locations.writes(edit, `${workflowId}:${edit.op}:${ipDigest}`);
  }
}

function ipOf(request: ContainmentRequest): string {
  const family = isIP(request.ip ?? '');
  if (!request.ip || (family !== 4 && family !== 6))
    throw ApplicationFailure.nonRetryable(`"${request.ip ?? ''}" is not an IP address`, 'InvalidRequest');
  return request.ip;
}
