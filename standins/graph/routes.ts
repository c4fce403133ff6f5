/** The stand-in's routes by name: what faults are injected on and the request log is filtered by. */

export const routeNames = [
  'openidConfiguration',
  'token',
  'getUser',
  'updateUser',
  'getManager',
  'transitiveMemberOf',
  'registeredDevices',
  'ownedDevices',
  'managedDevices',
  'revokeSignInSessions',
  'signIns',
  'riskyUser',
  'getNamedLocation',
  'updateNamedLocation',
  'getMachine',
  'listMachines',
  'isolateMachine',
  'unisolateMachine',
  'getMachineAction',
  'cancelMachineAction',
  'listMachineActions',
  'listSecurityAlerts',
  'listConditionalAccessPolicies',
  'getSecurityAlert',
  'updateSecurityAlert',
  'commentSecurityAlert',
  'listUsers',
  'listSponsors',
  'listRoleAssignments',
  'listRegistrationDetails',
  'listRiskyUsers',
] as const;
export type RouteName = (typeof routeNames)[number];

/** Graph's version segment, as the Graph client adds it to the base URL. */
export const v1 = '/v1.0';
