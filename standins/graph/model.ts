import { randomUUID } from 'node:crypto';
import type {
  AdministrativeUnit,
  Device,
  DirectoryRole,
  Group,
  IpNamedLocation,
  IPv4CidrRange,
  IPv6CidrRange,
  ManagedDevice,
  ConditionalAccessPolicy,
  RiskyUser,
  SignIn,
  SecurityNamespace,
  User,
} from '@microsoft/microsoft-graph-types';

/**
 * The data behind the Graph / Defender stand-in. Directory data uses the shapes of `@microsoft/microsoft-graph-types`
 * (what Graph itself returns); Defender for Endpoint has no published typings, so its machine and machine-action
 * shapes are written out here from the API reference.
 */

/** `T` with the properties `K` present and not null. */
type With<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };

/** A user as the directory stores it: every property the adapters may `$select`, plus its links. */
export type StandInUser = With<
  User,
  'id' | 'userPrincipalName' | 'displayName' | 'accountEnabled' | 'signInSessionsValidFromDateTime'
> & {
  managerId?: string;
  /** Ids of groups, directory roles and administrative units the user belongs to, directly or transitively. */
  memberOf: string[];
  registeredDeviceIds: string[];
  ownedDeviceIds: string[];
  /** Posture routines (standins/graph/posture.ts): sponsors, active role assignments, registered MFA methods. */
  sponsorIds?: string[];
  roleDefinitionIds?: string[];
  methodsRegistered?: string[];
};

export type DirectoryEntry =
  | (With<Group, 'id' | 'displayName'> & { '@odata.type': '#microsoft.graph.group' })
  | (With<DirectoryRole, 'id' | 'displayName'> & { '@odata.type': '#microsoft.graph.directoryRole' })
  | (With<AdministrativeUnit, 'id' | 'displayName'> & { '@odata.type': '#microsoft.graph.administrativeUnit' });

export type StandInDevice = With<Device, 'id' | 'deviceId' | 'displayName'>;
export type StandInManagedDevice = With<ManagedDevice, 'id' | 'userId' | 'deviceName'>;
export type StandInSignIn = With<SignIn, 'id' | 'userId' | 'createdDateTime' | 'ipAddress'>;
export type StandInRiskyUser = With<RiskyUser, 'id' | 'riskLevel' | 'riskState'>;

/** A Defender XDR alert as Graph `GET /security/alerts_v2` returns it. */
export type StandInSecurityAlert = With<
  Omit<SecurityNamespace.Alert, 'evidence'>,
  'id' | 'createdDateTime' | 'lastUpdateDateTime'
> & {
  '@odata.type': '#microsoft.graph.security.alert';
  /** Each item is one evidence subtype, told apart by `@odata.type` (`#microsoft.graph.security.userEvidence`, …). */
  evidence?: ((
    | SecurityNamespace.UserEvidence
    | SecurityNamespace.DeviceEvidence
    | SecurityNamespace.IpEvidence
    | SecurityNamespace.AlertEvidence
  ) & { '@odata.type': string })[];
};

export type CidrRange =
  | (IPv4CidrRange & { '@odata.type': '#microsoft.graph.iPv4CidrRange'; cidrAddress: string })
  | (IPv6CidrRange & { '@odata.type': '#microsoft.graph.iPv6CidrRange'; cidrAddress: string });

export type StandInNamedLocation = With<Omit<IpNamedLocation, 'ipRanges'>, 'id' | 'displayName'> & {
  '@odata.type': '#microsoft.graph.ipNamedLocation';
  ipRanges: CidrRange[];
};

/** Defender for Endpoint machine entity (https://learn.microsoft.com/defender-endpoint/api/machine). */
export interface DefenderMachine {
  id: string;
  computerDnsName: string;
  firstSeen: string;
  lastSeen: string;
  osPlatform: string;
  osVersion?: string | null;
  version?: string;
  lastIpAddress: string;
  lastExternalIpAddress?: string;
  healthStatus:
    'Active' | 'Inactive' | 'ImpairedCommunication' | 'NoSensorData' | 'NoSensorDataImpairedCommunication' | 'Unknown';
  riskScore: 'None' | 'Informational' | 'Low' | 'Medium' | 'High';
  exposureLevel: 'None' | 'Low' | 'Medium' | 'High';
  aadDeviceId?: string | null;
  machineTags: string[];
}

export type MachineActionStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'TimeOut' | 'Cancelled';

/** Defender for Endpoint machineAction entity (https://learn.microsoft.com/defender-endpoint/api/machineaction). */
export interface DefenderMachineAction {
  id: string;
  type: 'Isolate' | 'Unisolate';
  title: string | null;
  requestor: string;
  requestorComment: string;
  status: MachineActionStatus;
  machineId: string;
  computerDnsName: string;
  creationDateTimeUtc: string;
  lastUpdateDateTimeUtc: string;
  cancellationRequestor: string | null;
  cancellationComment: string | null;
  cancellationDateTimeUtc: string | null;
  errorHResult: number;
  scope: 'Full' | 'Selective' | null;
  externalId: string | null;
  requestSource: 'PublicApi';
  relatedFileInfo: null;
  commands: unknown[];
  troubleshootInfo: null;
}

/** A Pending machine action as Defender records a new request (tests also use it for someone else's action). */
export function newMachineAction(
  fields: Pick<DefenderMachineAction, 'type' | 'requestor' | 'requestorComment' | 'machineId' | 'computerDnsName'> &
    Partial<DefenderMachineAction>,
): DefenderMachineAction {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    title: null,
    status: 'Pending',
    creationDateTimeUtc: now,
    lastUpdateDateTimeUtc: now,
    cancellationRequestor: null,
    cancellationComment: null,
    cancellationDateTimeUtc: null,
    errorHResult: 0,
    scope: null,
    externalId: null,
    requestSource: 'PublicApi',
    relatedFileInfo: null,
    commands: [],
    troubleshootInfo: null,
    ...fields,
  };
}

/** The application registration the stand-in issues tokens to, and the application permissions it was granted. */
export interface StandInApp {
  clientId: string;
  clientSecret: string;
  /** A PEM certificate the app may authenticate with instead of the secret (a signed client assertion). */
  certificatePem?: string;
  /** Application permissions (app roles) granted with admin consent; a request needing another answers 403. */
  permissions: string[];
}

export interface GraphSeed {
  tenantId: string;
  app: StandInApp;
  users: StandInUser[];
  directoryObjects: DirectoryEntry[];
  devices: StandInDevice[];
  managedDevices: StandInManagedDevice[];
  signIns: StandInSignIn[];
  riskyUsers: StandInRiskyUser[];
  namedLocations: StandInNamedLocation[];
  machines: (DefenderMachine & { isolated?: boolean })[];
  machineActions: DefenderMachineAction[];
  /** Defender XDR alerts (`/security/alerts_v2`). */
  securityAlerts: StandInSecurityAlert[];
  /** Conditional Access policies (`/identity/conditionalAccess/policies`); none when absent. */
  conditionalAccessPolicies?: ConditionalAccessPolicy[];
}

/** Every application permission the adapters use, least privileged (see the README's permission table). */
export const leastPrivilegePermissions = [
  'User.Read.All',
  'GroupMember.Read.All',
  'RoleManagement.Read.Directory',
  'AuditLog.Read.All',
  'DeviceManagementManagedDevices.Read.All',
  'IdentityRiskyUser.Read.All',
  'User.EnableDisableAccount.All',
  'User.RevokeSessions.All',
  'Policy.Read.All',
  'Policy.ReadWrite.ConditionalAccess',
  'Machine.Read.All',
  'Machine.Isolate',
  'SecurityAlert.Read.All',
] as const;
