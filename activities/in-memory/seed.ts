import type { WorldData } from './world';

/** A small, believable tenant for demos and tests. Times are relative to `now` so sign-ins fall in the look-back. */
export function demoSeed(now = new Date()): Pick<WorldData, 'users' | 'hosts'> {
  const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();
  return {
    users: [
      {
        id: '11111111-1111-4111-8111-111111111111',
        userPrincipalName: 'jdoe@contoso.example',
        displayName: 'Jane Doe',
        department: 'Finance',
        jobTitle: 'Controller',
        accountEnabled: true,
        managerId: '22222222-2222-4222-8222-222222222222',
        groups: [
          { id: 'g-finance', displayName: 'Finance', kind: 'group' },
          { id: 'g-vpn', displayName: 'VPN Users', kind: 'group' },
          { id: 'r-billing', displayName: 'Billing Administrator', kind: 'directoryRole' },
        ],
        signIns: [
          {
            at: ago(1),
            ip: '203.0.113.50',
            location: 'Lagos, NG',
            app: 'Office 365 Exchange Online',
            succeeded: true,
            risk: 'high',
          },
          {
            at: ago(5),
            ip: '198.51.100.7',
            location: 'Seattle, US',
            app: 'Microsoft Teams',
            device: 'LAPTOP-JDOE',
            succeeded: true,
          },
          {
            at: ago(20),
            ip: '198.51.100.7',
            location: 'Seattle, US',
            app: 'Office 365 Exchange Online',
            device: 'LAPTOP-JDOE',
            succeeded: true,
          },
          {
            at: ago(30),
            ip: '203.0.113.50',
            location: 'Lagos, NG',
            app: 'Azure Portal',
            succeeded: false,
            failureReason: 'Invalid password',
          },
        ],
        devices: [
          {
            id: 'dev-1',
            name: 'LAPTOP-JDOE',
            operatingSystem: 'Windows 11',
            compliant: true,
            managed: true,
            lastSeen: ago(2),
            source: 'intune',
          },
          {
            id: 'dev-2',
            name: 'iPhone-JDOE',
            operatingSystem: 'iOS 18',
            compliant: true,
            managed: true,
            lastSeen: ago(3),
            source: 'registered',
          },
        ],
        risk: { riskLevel: 'medium', riskState: 'atRisk', riskDetail: 'none', lastUpdated: ago(1) },
        sessionsValidFrom: ago(24 * 30),
      },
      {
        id: '22222222-2222-4222-8222-222222222222',
        userPrincipalName: 'mlee@contoso.example',
        displayName: 'Morgan Lee',
        department: 'Finance',
        jobTitle: 'CFO',
        accountEnabled: true,
        groups: [{ id: 'g-finance', displayName: 'Finance', kind: 'group' }],
        signIns: [],
        devices: [],
        sessionsValidFrom: ago(24 * 30),
      },
      {
        id: '33333333-3333-4333-8333-333333333333',
        userPrincipalName: 'asmith@contoso.example',
        displayName: 'Alex Smith',
        department: 'Engineering',
        jobTitle: 'Engineer',
        accountEnabled: true,
        onPremisesSyncEnabled: true,
        groups: [{ id: 'g-eng', displayName: 'Engineering', kind: 'group' }],
        signIns: [{ at: ago(2), ip: '192.0.2.10', location: 'Berlin, DE', app: 'Microsoft Teams', succeeded: true }],
        devices: [],
        sessionsValidFrom: ago(24 * 30),
      },
    ],
    hosts: [
      {
        id: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2',
        name: 'laptop-jdoe.contoso.example',
        operatingSystem: 'Windows11',
        healthStatus: 'Active',
        riskScore: 'Medium',
        exposureLevel: 'Medium',
        lastSeen: ago(1),
        lastIpAddress: '10.1.2.3',
        isolated: false,
      },
    ],
  };
}
