import { postureSeed } from '../../activities/in-memory/posture-seed';
import { demoSeed } from '../../activities/in-memory/seed';
import type { WorldUser } from '../../activities/in-memory/world';
import { stepUpPolicy } from './conditional-access-policies';
import {
  leastPrivilegePermissions,
  type DirectoryEntry,
  type GraphSeed,
  type StandInSecurityAlert,
  type StandInSignIn,
} from './model';

export const STANDIN_TENANT_ID = '7f3c2a10-5b7e-4d8a-9c1e-0a1b2c3d4e5f';
export const STANDIN_CLIENT_ID = '5e1f9b2c-3d4a-4b6c-8d7e-9f0a1b2c3d4e';
export const STANDIN_CLIENT_SECRET = 'stand-in-secret-not-for-production';
export const BLOCKED_IPS_LOCATION_ID = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

const directoryKinds: Record<WorldUser['groups'][number]['kind'], DirectoryEntry['@odata.type']> = {
  group: '#microsoft.graph.group',
  directoryRole: '#microsoft.graph.directoryRole',
  administrativeUnit: '#microsoft.graph.administrativeUnit',
};

function splitLocation(location?: string): { city?: string; countryOrRegion?: string } {
  if (!location) return {};
  const [city, countryOrRegion] = location.split(',').map((part) => part.trim());
  return { city, countryOrRegion };
}

/**
 * The demo tenant of `activities/in-memory/seed.ts` in Graph's and Defender's shapes, so the in-memory demo and the
 * stand-in tell the same story: Jane Doe (Finance, risky, sign-ins from Seattle and Lagos, a laptop in Intune and
 * Defender), her manager Morgan Lee, and Alex Smith, who is synced from on-premises AD. Times are relative to `now`.
 */
export function graphDemoSeed(now = new Date()): GraphSeed {
  const { users: triageUsers, hosts } = demoSeed(now);
  const users = [...triageUsers, ...postureSeed(now)];
  const directoryObjects = new Map<string, DirectoryEntry>();
  const seed: GraphSeed = {
    tenantId: STANDIN_TENANT_ID,
    app: {
      clientId: STANDIN_CLIENT_ID,
      clientSecret: STANDIN_CLIENT_SECRET,
      permissions: [...leastPrivilegePermissions],
    },
    users: [],
    directoryObjects: [],
    devices: [],
    managedDevices: [],
    signIns: [],
    riskyUsers: [],
    conditionalAccessPolicies: [stepUpPolicy()],
    namedLocations: [
      {
        '@odata.type': '#microsoft.graph.ipNamedLocation',
        id: BLOCKED_IPS_LOCATION_ID,
        displayName: 'SOC triage: blocked sign-in IPs',
        isTrusted: false,
        createdDateTime: new Date(now.getTime() - 90 * 86_400_000).toISOString(),
        modifiedDateTime: new Date(now.getTime() - 7 * 86_400_000).toISOString(),
        // Blocked by an earlier case; a block or unblock by this one must leave it alone.
        ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '192.0.2.66/32' }],
      },
    ],
    machines: [],
    machineActions: [],
    securityAlerts: [],
  };

  for (const user of users) {
    for (const group of user.groups) {
      directoryObjects.set(group.id, {
        '@odata.type': directoryKinds[group.kind],
        id: group.id,
        displayName: group.displayName,
      } as DirectoryEntry);
    }
    const registeredDeviceIds: string[] = [];
    for (const device of user.devices) {
      const entraId = `entra-${device.id}`;
      const deviceId = `aad-${device.id}`;
      // Every device is registered in Entra ID; the Intune ones are also managed (and share the Entra device id).
      seed.devices.push({
        id: entraId,
        deviceId,
        displayName: device.name,
        operatingSystem: device.operatingSystem?.split(' ')[0] ?? null,
        operatingSystemVersion: device.operatingSystem?.split(' ').slice(1).join(' ') || null,
        isCompliant: device.compliant ?? null,
        isManaged: device.managed ?? null,
        approximateLastSignInDateTime: device.lastSeen ?? null,
        accountEnabled: true,
        trustType: device.source === 'intune' ? 'AzureAd' : 'Workplace',
      });
      registeredDeviceIds.push(entraId);
      if (device.source === 'intune') {
        seed.managedDevices.push({
          id: `intune-${device.id}`,
          userId: user.id,
          userPrincipalName: user.userPrincipalName,
          deviceName: device.name,
          operatingSystem: device.operatingSystem?.split(' ')[0] ?? null,
          osVersion: device.operatingSystem?.split(' ').slice(1).join(' ') || null,
          complianceState: device.compliant ? 'compliant' : 'noncompliant',
          managedDeviceOwnerType: 'company',
          lastSyncDateTime: device.lastSeen,
          azureADDeviceId: deviceId,
        });
      }
    }
    seed.users.push({
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      mail: user.posture?.mail ?? user.userPrincipalName,
      ...postureFields(user),
      department: user.department ?? null,
      jobTitle: user.jobTitle ?? null,
      accountEnabled: user.accountEnabled,
      onPremisesSyncEnabled: user.onPremisesSyncEnabled ?? null,
      signInSessionsValidFromDateTime: user.sessionsValidFrom.replace(/\.\d{3}Z$/, 'Z'),
      managerId: user.managerId,
      memberOf: user.groups.map((g) => g.id),
      registeredDeviceIds,
      ownedDeviceIds: [],
    });
    user.signIns.forEach((signIn, index) => {
      const failed = !signIn.succeeded;
      seed.signIns.push({
        id: `signin-${user.id.slice(0, 8)}-${index + 1}`,
        createdDateTime: signIn.at,
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        userDisplayName: user.displayName,
        appDisplayName: signIn.app ?? null,
        ipAddress: signIn.ip,
        clientAppUsed: 'Browser',
        isInteractive: true,
        location: splitLocation(signIn.location),
        deviceDetail: {
          displayName: signIn.device ?? '',
          operatingSystem: signIn.device ? 'Windows10' : 'Linux',
          browser: 'Edge 120.0.0',
          isCompliant: Boolean(signIn.device),
          isManaged: Boolean(signIn.device),
          trustType: signIn.device ? 'Azure AD joined' : '',
          deviceId: '',
        },
        status: failed
          ? { errorCode: 50126, failureReason: signIn.failureReason ?? 'Sign-in failed' }
          : { errorCode: 0, failureReason: null },
        riskLevelDuringSignIn: (signIn.risk as StandInSignIn['riskLevelDuringSignIn']) ?? 'none',
        riskState: signIn.risk ? 'atRisk' : 'none',
      } satisfies StandInSignIn);
    });
    if (user.risk) {
      seed.riskyUsers.push({
        id: user.id,
        userPrincipalName: user.userPrincipalName,
        userDisplayName: user.displayName,
        riskLevel: user.risk.riskLevel as StandInSignIn['riskLevelDuringSignIn'] & string,
        riskState: user.risk.riskState as NonNullable<GraphSeed['riskyUsers'][number]['riskState']>,
        riskDetail: (user.risk.riskDetail ?? 'none') as NonNullable<GraphSeed['riskyUsers'][number]['riskDetail']>,
        riskLastUpdatedDateTime: user.risk.lastUpdated ?? null,
        isDeleted: false,
        isProcessing: false,
      });
    }
  }
  seed.directoryObjects = [...directoryObjects.values()];

  for (const host of hosts) {
    seed.machines.push({
      id: host.id,
      computerDnsName: host.name,
      firstSeen: new Date(now.getTime() - 200 * 86_400_000).toISOString(),
      lastSeen: host.lastSeen ?? now.toISOString(),
      osPlatform: host.operatingSystem ?? 'Windows11',
      osVersion: null,
      version: '23H2',
      lastIpAddress: host.lastIpAddress ?? '10.0.0.1',
      lastExternalIpAddress: '198.51.100.7',
      healthStatus: (host.healthStatus as 'Active') ?? 'Active',
      riskScore: (host.riskScore as 'Medium') ?? 'None',
      exposureLevel: (host.exposureLevel as 'Medium') ?? 'None',
      aadDeviceId: null,
      machineTags: [],
      isolated: host.isolated,
    });
  }
  seed.securityAlerts.push(
    demoDefenderAlert(
      now,
      users.find((u) => u.userPrincipalName.startsWith('jdoe@'))!,
    ),
  );
  return seed;
}

/** One Defender XDR alert on Jane Doe's laptop, which the worker's Defender poll picks up in demo mode. */
function demoDefenderAlert(now: Date, jane: WorldUser): StandInSecurityAlert {
  const created = new Date(now.getTime() - 3 * 60_000).toISOString();
  return {
    '@odata.type': '#microsoft.graph.security.alert',
    id: 'da638700000000000000_demo0001',
    providerAlertId: 'da638700000000000000_demo0001',
    incidentId: '1001',
    status: 'new',
    severity: 'medium',
    serviceSource: 'microsoftDefenderForEndpoint',
    detectionSource: 'microsoftDefenderForEndpoint',
    detectorId: 'b3c6a1f2-0d4e-4f7a-9c2b-5e8d1a7f3c90',
    tenantId: STANDIN_TENANT_ID,
    title: 'Suspicious PowerShell command line',
    description: 'PowerShell was started with an encoded command line on LAPTOP-JDOE.',
    category: 'Execution',
    mitreTechniques: ['T1059.001'],
    createdDateTime: created,
    lastUpdateDateTime: created,
    firstActivityDateTime: new Date(now.getTime() - 4 * 60_000).toISOString(),
    evidence: [
      {
        '@odata.type': '#microsoft.graph.security.userEvidence',
        createdDateTime: created,
        roles: [],
        userAccount: {
          accountName: 'jdoe',
          domainName: 'CONTOSO',
          azureAdUserId: jane.id,
          userPrincipalName: jane.userPrincipalName,
          displayName: jane.displayName,
        },
      },
      {
        '@odata.type': '#microsoft.graph.security.deviceEvidence',
        createdDateTime: created,
        roles: ['compromised'],
        deviceDnsName: 'laptop-jdoe.contoso.example',
      },
    ],
  };
}

/** A world user's posture facts in Graph's shapes: userType, createdDateTime, signInActivity, and the links. */
function postureFields(user: WorldUser) {
  const p = user.posture;
  if (!p) return { userType: 'Member' };
  return {
    userType: p.userType ?? 'Member',
    createdDateTime: p.createdDateTime ?? null,
    ...(p.userType === 'Guest'
      ? {
          externalUserState: 'Accepted',
          signInActivity: {
            lastSignInDateTime: p.lastSignInDateTime ?? null,
            lastSignInRequestId: null,
            lastNonInteractiveSignInDateTime: null,
            lastNonInteractiveSignInRequestId: null,
            lastSuccessfulSignInDateTime: null,
            lastSuccessfulSignInRequestId: null,
          },
        }
      : {}),
    ...(p.sponsorIds ? { sponsorIds: p.sponsorIds } : {}),
    ...(p.roleDefinitionIds ? { roleDefinitionIds: p.roleDefinitionIds } : {}),
    ...(p.methodsRegistered ? { methodsRegistered: p.methodsRegistered } : {}),
  };
}
