import type { ContainmentOutcome, ContainmentRequest, UndoOutcome } from '../../common/triage';
import type { LocationWrites } from '../named-location-writes';
import type { ContainmentContext, ContainmentExecutor } from '../ports';
import { accountPermissions, GraphAccounts } from './accounts';
import type { DefenderClient } from './defender';
import type { ApiClient } from './http';
import type { GraphDirectory } from './identity';
import { GraphIpBlocks } from './ip-blocks';
import { DefenderIsolation, type IsolationSettings } from './isolation';
import { namedLocationPermissions, type GraphNamedLocations } from './named-locations';
import { GraphSessions, sessionPermissions } from './sessions';

/**
 * Containment through Graph and Defender for Endpoint, each action following the exactly-once protocol of
 * `containment-protocol.ts`: the state before the case acted comes recorded in the request, and an action acts only
 * when its effect is not in place. Each resource has its adapter (accounts, sessions, IP blocks, isolation); this
 * executor only dispatches by action.
 */

export const containmentPermissions = {
  disable: accountPermissions.disable,
  revoke: sessionPermissions.revoke,
  namedLocationRead: namedLocationPermissions.read,
  namedLocationWrite: namedLocationPermissions.write,
} as const;

export type ContainmentSettings = IsolationSettings;

export class GraphContainment implements ContainmentExecutor {
  private readonly accounts: GraphAccounts;
  private readonly sessions: GraphSessions;
  private readonly ipBlocks: GraphIpBlocks;
  private readonly isolation: DefenderIsolation;

  constructor(
    graph: ApiClient,
    directory: GraphDirectory,
    defender: DefenderClient,
    settings: ContainmentSettings,
    locations: { reader: GraphNamedLocations; writes: LocationWrites },
  ) {
    this.accounts = new GraphAccounts(graph, directory);
    this.sessions = new GraphSessions(graph, directory);
    this.ipBlocks = new GraphIpBlocks(locations);
    this.isolation = new DefenderIsolation(defender, settings);
  }

  async isInPlace(request: ContainmentRequest): Promise<boolean> {
    switch (request.action) {
      case 'disable-account':
        return this.accounts.isDisabled(request);
      case 'revoke-sessions':
        return this.sessions.isRevoked(request);
      case 'block-ip':
        return this.ipBlocks.isBlocked(request);
      case 'isolate-host':
        return this.isolation.isIsolated(request);
    }
  }

  async apply(request: ContainmentRequest, context: ContainmentContext): Promise<ContainmentOutcome> {
    switch (request.action) {
      case 'disable-account':
        return this.accounts.disable(request);
      case 'revoke-sessions':
        return this.sessions.revoke(request);
      case 'block-ip':
        return this.ipBlocks.block(request);
      case 'isolate-host':
        return this.isolation.isolate(request, context);
    }
  }

  async undo(request: ContainmentRequest, context: ContainmentContext): Promise<UndoOutcome> {
    switch (request.action) {
      case 'disable-account':
        return this.accounts.enable(request);
      case 'revoke-sessions':
        return { status: 'nothing-to-undo', detail: 'revoked sessions stay revoked; the user signs in again' };
      case 'block-ip':
        return this.ipBlocks.unblock(request);
      case 'isolate-host':
        return this.isolation.release(request, context);
    }
  }
}
