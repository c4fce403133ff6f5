import { z } from 'zod';

/**
 * What this product reads from Graph and Defender for Endpoint, checked at the boundary. Lenient where the services
 * are (optional and nullable fields, unknown fields ignored), strict where the logic depends on a value.
 */

const text = z.string().nullish();
const flag = z.boolean().nullish();

export const userSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().min(1),
  displayName: text,
  department: text,
  jobTitle: text,
  accountEnabled: flag,
  onPremisesSyncEnabled: flag,
  signInSessionsValidFromDateTime: text,
});
export type GraphUser = z.infer<typeof userSchema>;

export const managerSchema = z.object({ displayName: text, userPrincipalName: text });

export const directoryEntrySchema = z.object({
  '@odata.type': z.string(),
  id: z.string(),
  displayName: text,
});

export const signInSchema = z.object({
  createdDateTime: z.string(),
  ipAddress: text,
  appDisplayName: text,
  location: z.object({ city: text, state: text, countryOrRegion: text }).nullish(),
  deviceDetail: z
    .object({ displayName: text, operatingSystem: text, browser: text, isCompliant: flag, isManaged: flag })
    .nullish(),
  status: z.object({ errorCode: z.number().nullish(), failureReason: text }).nullish(),
  riskLevelDuringSignIn: text,
});

export const deviceSchema = z.object({
  '@odata.type': z.string().optional(),
  id: z.string(),
  deviceId: text,
  displayName: text,
  operatingSystem: text,
  operatingSystemVersion: text,
  isCompliant: flag,
  isManaged: flag,
  approximateLastSignInDateTime: text,
});

export const managedDeviceSchema = z.object({
  id: z.string(),
  deviceName: text,
  operatingSystem: text,
  osVersion: text,
  complianceState: text,
  lastSyncDateTime: text,
  azureADDeviceId: text,
});

export const riskyUserSchema = z.object({
  id: z.string(),
  riskLevel: z.string(),
  riskState: z.string(),
  riskDetail: text,
  riskLastUpdatedDateTime: text,
});

export const cidrRangeSchema = z.object({
  '@odata.type': z.enum(['#microsoft.graph.iPv4CidrRange', '#microsoft.graph.iPv6CidrRange']),
  cidrAddress: z.string(),
});
export type CidrRange = z.infer<typeof cidrRangeSchema>;

export const namedLocationSchema = z.object({
  '@odata.type': z.string(),
  id: z.string(),
  displayName: text,
  ipRanges: z.array(z.looseObject({ '@odata.type': z.string() })).nullish(),
});

export const revokeResultSchema = z.looseObject({ value: z.boolean().optional() }).optional();

export const machineSchema = z.object({
  id: z.string().min(1),
  computerDnsName: z.string().min(1),
  osPlatform: text,
  healthStatus: text,
  riskScore: text,
  exposureLevel: text,
  lastSeen: text,
  lastIpAddress: text,
});

export const machineActionSchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  /** Pending, InProgress, Succeeded, Failed, TimeOut or Cancelled. */
  status: z.string(),
  machineId: z.string(),
  requestorComment: text,
  creationDateTimeUtc: z.string(),
  lastUpdateDateTimeUtc: text,
});
export type MachineAction = z.infer<typeof machineActionSchema>;
