import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type {
  GroupMemberships,
  LinkedDevices,
  RiskState,
  SignInEvent,
  UserProfile,
  UserRef,
} from '../../common/triage';
import type { IdentityDirectory } from '../ports';
import type { Call } from './errors';
import { segment, type ApiClient } from './http';
import {
  deviceSchema,
  directoryEntrySchema,
  managedDeviceSchema,
  managerSchema,
  riskyUserSchema,
  signInSchema,
  userSchema,
  type GraphUser,
} from './schemas';

/** Enrichment from Microsoft Graph: profile and manager, groups, sign-ins, devices, risk. */

export const permissions = {
  users: 'User.Read.All',
  groups: 'User.Read.All (plus GroupMember.Read.All and RoleManagement.Read.Directory for group and role names)',
  signIns: 'AuditLog.Read.All',
  intune: 'DeviceManagementManagedDevices.Read.All',
  risk: 'IdentityRiskyUser.Read.All',
} as const;

const USER_FIELDS =
  'id,userPrincipalName,displayName,department,jobTitle,accountEnabled,onPremisesSyncEnabled,signInSessionsValidFromDateTime';
const objectId = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/);

const kinds: Record<string, GroupMemberships['groups'][number]['kind']> = {
  '#microsoft.graph.group': 'group',
  '#microsoft.graph.directoryRole': 'directoryRole',
  '#microsoft.graph.administrativeUnit': 'administrativeUnit',
};

export interface IdentityTuning {
  /** Upper bound on pages followed for one collection (a runaway nextLink chain costs quota, not correctness). */
  maxPages: number;
}

/** The user as the alert names them: the object id when known, else the UPN. */
export function userKey(ref: UserRef | undefined): string {
  if (ref?.objectId) {
    if (!objectId.safeParse(ref.objectId).success)
      throw ApplicationFailure.nonRetryable(`"${ref.objectId}" is not an Entra object id`, 'InvalidUser');
    return ref.objectId;
  }
  if (ref?.userPrincipalName) return ref.userPrincipalName;
  throw ApplicationFailure.nonRetryable('the request names no user', 'InvalidUser');
}

export function userLabel(ref: UserRef | undefined): string {
  return ref?.userPrincipalName ?? ref?.objectId ?? 'the user';
}

export class GraphDirectory implements IdentityDirectory {
  /** UPN → object id, for the endpoints that only take the id. */
  private readonly ids = new Map<string, string>();
  private readonly pendingIds = new Map<string, Promise<string>>();

  constructor(
    private readonly graph: ApiClient,
    private readonly tuning: IdentityTuning,
  ) {}

  private call(what: string, permission: string, notFound?: string): Call {
    return { service: 'Microsoft Graph', what, permission, notFound };
  }

  /** The user with the properties containment decides on (they come back only when selected). */
  async user(ref: UserRef | undefined): Promise<GraphUser> {
    const key = userKey(ref);
    const user = await this.graph.get(
      `/users/${segment(key)}`,
      userSchema,
      this.call(`reading ${userLabel(ref)}'s profile`, permissions.users, `user not found: ${userLabel(ref)}`),
      (r) => r.select(USER_FIELDS),
    );
    this.remember(user);
    return user;
  }

  async userProfile(ref: UserRef): Promise<UserProfile> {
    const key = userKey(ref);
    const [user, manager] = await Promise.all([
      this.user(ref),
      this.graph.find(
        `/users/${segment(key)}/manager`,
        managerSchema,
        this.call(`reading ${userLabel(ref)}'s manager`, permissions.users),
        (r) => r.select('displayName,userPrincipalName'),
      ),
    ]);
    return {
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName ?? user.userPrincipalName,
      department: user.department ?? undefined,
      jobTitle: user.jobTitle ?? undefined,
      accountEnabled: user.accountEnabled ?? undefined,
      onPremisesSyncEnabled: user.onPremisesSyncEnabled ?? undefined,
      manager: manager?.displayName
        ? { displayName: manager.displayName, userPrincipalName: manager.userPrincipalName ?? undefined }
        : undefined,
    };
  }

  async groupMemberships(ref: UserRef, limit: number): Promise<GroupMemberships> {
    const key = userKey(ref);
    const page = await this.graph.collect(
      `/users/${segment(key)}/transitiveMemberOf`,
      directoryEntrySchema,
      this.call(
        `reading ${userLabel(ref)}'s group memberships`,
        permissions.groups,
        `user not found: ${userLabel(ref)}`,
      ),
      {
        limit,
        maxPages: this.tuning.maxPages,
        // $count needs the advanced-query header; it tells how many memberships there are beyond the first page.
        headers: { ConsistencyLevel: 'eventual' },
        build: (r) =>
          r
            .select('id,displayName')
            .top(Math.min(Math.max(limit, 1), 999))
            .count(true),
      },
    );
    const groups = page.items
      .filter((entry) => kinds[entry['@odata.type']])
      .map((entry) => ({
        id: entry.id,
        // Without a permission for that object type Graph lists the membership with its id only.
        displayName:
          entry.displayName ?? `${entry.id} (name hidden: the app cannot read this ${kinds[entry['@odata.type']]})`,
        kind: kinds[entry['@odata.type']]!,
      }));
    const total = page.count ?? groups.length;
    return { total, truncated: page.more || total > groups.length, groups };
  }

  /** The object id (sign-ins and risk are keyed by it), looked up once per UPN. */
  async objectIdOf(ref: UserRef): Promise<string> {
    if (ref.objectId) return userKey(ref);
    const upn = userKey(ref).toLowerCase();
    const known = this.ids.get(upn);
    if (known) return known;
    // Lookups running in parallel (sign-ins, risk) share one request.
    let pending = this.pendingIds.get(upn);
    if (!pending) {
      pending = this.user(ref)
        .then((user) => user.id)
        .finally(() => this.pendingIds.delete(upn));
      this.pendingIds.set(upn, pending);
    }
    return pending;
  }

  async signIns(ref: UserRef, since: string, limit: number): Promise<SignInEvent[]> {
    const id = await this.objectIdOf(ref);
    const from = new Date(since);
    if (Number.isNaN(from.getTime()))
      throw ApplicationFailure.nonRetryable(`"${since}" is not a time`, 'InvalidRequest');
    const page = await this.graph.collect(
      '/auditLogs/signIns',
      signInSchema,
      this.call(`reading ${userLabel(ref)}'s sign-ins`, permissions.signIns),
      {
        limit,
        maxPages: this.tuning.maxPages,
        build: (r) =>
          r
            .filter(`userId eq '${id}' and createdDateTime ge ${from.toISOString()}`)
            .top(Math.min(Math.max(limit, 1), 1000)),
      },
    );
    return page.items
      .map((s): SignInEvent => {
        const failed = (s.status?.errorCode ?? 0) !== 0;
        const place = [s.location?.city, s.location?.countryOrRegion].filter(Boolean).join(', ');
        const risk =
          s.riskLevelDuringSignIn && !['none', 'hidden', 'unknownFutureValue'].includes(s.riskLevelDuringSignIn)
            ? s.riskLevelDuringSignIn
            : undefined;
        return {
          at: s.createdDateTime,
          ip: s.ipAddress ?? 'unknown',
          location: place || undefined,
          app: s.appDisplayName ?? undefined,
          device: s.deviceDetail?.displayName || undefined,
          succeeded: !failed,
          failureReason: failed ? (s.status?.failureReason ?? `error ${s.status?.errorCode}`) : undefined,
          risk,
        };
      })
      .sort((a, b) => b.at.localeCompare(a.at))
      .slice(0, limit);
  }

  async linkedDevices(ref: UserRef, limit: number): Promise<LinkedDevices> {
    const key = userKey(ref);
    const label = userLabel(ref);
    const entraFields =
      'id,deviceId,displayName,operatingSystem,operatingSystemVersion,isCompliant,isManaged,approximateLastSignInDateTime';
    const entra = (relation: 'registeredDevices' | 'ownedDevices') =>
      this.graph.collect(
        `/users/${segment(key)}/${relation}`,
        deviceSchema,
        this.call(
          `reading ${label}'s ${relation === 'registeredDevices' ? 'registered' : 'owned'} devices`,
          permissions.users,
          `user not found: ${label}`,
        ),
        {
          limit,
          maxPages: this.tuning.maxPages,
          build: (r) => r.select(entraFields).top(Math.min(Math.max(limit, 1), 999)),
        },
      );
    const [registered, owned, managed] = await Promise.all([
      entra('registeredDevices'),
      entra('ownedDevices'),
      this.graph.collect(
        `/users/${segment(key)}/managedDevices`,
        managedDeviceSchema,
        this.call(`reading ${label}'s Intune devices`, permissions.intune, `user not found: ${label}`),
        {
          limit,
          maxPages: this.tuning.maxPages,
          build: (r) =>
            r
              .select('id,deviceName,operatingSystem,osVersion,complianceState,lastSyncDateTime,azureADDeviceId')
              .top(Math.min(Math.max(limit, 1), 999)),
        },
      ),
    ]);

    const devices: LinkedDevices['devices'] = [];
    const seen = new Set<string>();
    const os = (name?: string | null, version?: string | null) =>
      [name, version].filter(Boolean).join(' ') || undefined;
    // Intune knows compliance best; the Entra record of the same device (same Entra device id) is then skipped.
    for (const d of managed.items) {
      if (d.azureADDeviceId) seen.add(d.azureADDeviceId.toLowerCase());
      devices.push({
        id: d.id,
        name: d.deviceName ?? d.id,
        operatingSystem: os(d.operatingSystem, d.osVersion),
        compliant: d.complianceState ? d.complianceState === 'compliant' : undefined,
        managed: true,
        lastSeen: d.lastSyncDateTime ?? undefined,
        source: 'intune',
      });
    }
    const entraDevices = [
      ...registered.items.map((d) => ({ d, source: 'registered' as const })),
      ...owned.items.map((d) => ({ d, source: 'owned' as const })),
    ];
    for (const { d, source } of entraDevices) {
      if (d['@odata.type'] && d['@odata.type'] !== '#microsoft.graph.device') continue;
      const identity = (d.deviceId ?? d.id).toLowerCase();
      if (seen.has(identity) || seen.has(d.id.toLowerCase())) continue;
      seen.add(identity);
      seen.add(d.id.toLowerCase());
      devices.push({
        id: d.id,
        name: d.displayName ?? d.id,
        operatingSystem: os(d.operatingSystem, d.operatingSystemVersion),
        compliant: d.isCompliant ?? undefined,
        managed: d.isManaged ?? undefined,
        lastSeen: d.approximateLastSignInDateTime ?? undefined,
        source,
      });
    }
    return {
      devices: devices.slice(0, limit),
      truncated: devices.length > limit || registered.more || owned.more || managed.more,
    };
  }

  async riskState(ref: UserRef): Promise<RiskState | undefined> {
    const id = await this.objectIdOf(ref);
    // 404: Identity Protection has never flagged this user.
    const risky = await this.graph.find(
      `/identityProtection/riskyUsers/${segment(id)}`,
      riskyUserSchema,
      this.call(`reading ${userLabel(ref)}'s risk state`, permissions.risk),
    );
    if (!risky) return undefined;
    return {
      riskLevel: risky.riskLevel,
      riskState: risky.riskState,
      riskDetail: risky.riskDetail ?? undefined,
      lastUpdated: risky.riskLastUpdatedDateTime ?? undefined,
    };
  }

  private remember(user: GraphUser): void {
    if (this.ids.size > 1_000) this.ids.clear();
    this.ids.set(user.userPrincipalName.toLowerCase(), user.id);
  }
}
