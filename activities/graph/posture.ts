import { z } from 'zod';
import type { GuestAccount, MfaRegistration, PostureDirectory, PrivilegedAssignment, RiskyUser } from '../ports';
import type { Call } from './errors';
import { segment, type ApiClient } from './http';

/** The posture routines' reads from Microsoft Graph v1.0 (integration notes §8). */

export const posturePermissions = {
  guests: 'User.Read.All and AuditLog.Read.All',
  sponsors: 'User.Read.All',
  roles: 'RoleManagement.Read.Directory',
  registration: 'AuditLog.Read.All',
  risk: 'IdentityRiskyUser.Read.All',
} as const;

const text = z.string().nullish();
const GUEST_FIELDS =
  'id,mail,displayName,userPrincipalName,accountEnabled,userType,createdDateTime,externalUserState,signInActivity';

const guestSchema = z.object({
  id: z.string().min(1),
  mail: text,
  displayName: text,
  userPrincipalName: text,
  accountEnabled: z.boolean().nullish(),
  userType: text,
  createdDateTime: text,
  externalUserState: text,
  signInActivity: z.object({ lastSignInDateTime: text }).nullish(),
});

const sponsorSchema = z.object({
  '@odata.type': z.string(),
  id: z.string().min(1),
  userPrincipalName: text,
  displayName: text,
  mail: text,
});

const assignmentSchema = z.object({
  roleDefinitionId: z.string(),
  principal: z
    .object({ '@odata.type': z.string(), id: z.string().min(1), userPrincipalName: text, displayName: text })
    .nullish(),
});

const registrationSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string(),
  isMfaRegistered: z.boolean(),
  methodsRegistered: z.array(z.string()).nullish(),
});

const riskyUserSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string(),
  riskLevel: z.string(),
  riskState: z.string(),
  riskDetail: text,
  riskLastUpdatedDateTime: text,
});

const undefinedless = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };

function asGuest(g: z.infer<typeof guestSchema>): GuestAccount {
  const { signInActivity, userType: _userType, ...rest } = g;
  return undefinedless({ ...rest, lastSignInDateTime: signInActivity?.lastSignInDateTime }) as GuestAccount;
}

const principalKind = (type: string): PrivilegedAssignment['principal']['kind'] =>
  type === '#microsoft.graph.user'
    ? 'user'
    : type === '#microsoft.graph.group'
      ? 'group'
      : type === '#microsoft.graph.servicePrincipal'
        ? 'servicePrincipal'
        : 'other';

export class GraphPostureDirectory implements PostureDirectory {
  constructor(
    private readonly graph: ApiClient,
    private readonly tuning: { maxPages: number; limit: number },
  ) {}

  private call(what: string, permission: string, notFound?: string): Call {
    return { service: 'Microsoft Graph', what, permission, ...(notFound ? { notFound } : {}) };
  }

  private collect<T>(
    path: string,
    schema: z.ZodType<T>,
    call: Call,
    build: Parameters<ApiClient['collect']>[3]['build'],
  ) {
    return this.graph.collect(path, schema, call, {
      limit: this.tuning.limit,
      maxPages: this.tuning.maxPages,
      ...(build ? { build } : {}),
    });
  }

  async guests(): Promise<GuestAccount[]> {
    // signInActivity cannot be filtered together with userType: staleness is judged by the caller.
    const page = await this.collect(
      '/users',
      guestSchema,
      this.call('listing guest accounts', posturePermissions.guests),
      (r) => r.filter("userType eq 'Guest'").select(GUEST_FIELDS).top(999),
    );
    return page.items.map(asGuest);
  }

  async guest(id: string): Promise<GuestAccount | undefined> {
    const guest = await this.graph.find(
      `/users/${segment(id)}`,
      guestSchema,
      this.call(`reading guest ${id}`, posturePermissions.guests),
      (r) => r.select(GUEST_FIELDS),
    );
    return guest && guest.userType === 'Guest' ? asGuest(guest) : undefined;
  }

  async sponsors(userId: string): Promise<{ objectId: string; userPrincipalName?: string; label: string }[]> {
    const page = await this.collect(
      `/users/${segment(userId)}/sponsors`,
      sponsorSchema,
      this.call(`reading the sponsors of ${userId}`, posturePermissions.sponsors, `user not found: ${userId}`),
      undefined,
    );
    return page.items
      .filter((s) => s['@odata.type'] === '#microsoft.graph.user')
      .map((s) => ({
        objectId: s.id,
        ...(s.userPrincipalName ? { userPrincipalName: s.userPrincipalName } : {}),
        label: s.userPrincipalName ?? s.mail ?? s.displayName ?? s.id,
      }));
  }

  async privilegedAssignments(roleDefinitionIds: string[]): Promise<PrivilegedAssignment[]> {
    const pages = await Promise.all(
      roleDefinitionIds.map((roleId) =>
        this.collect(
          '/roleManagement/directory/roleAssignments',
          assignmentSchema,
          this.call(`listing the members of role ${roleId}`, posturePermissions.roles),
          (r) => r.filter(`roleDefinitionId eq '${roleId.replace(/'/g, "''")}'`).expand('principal'),
        ),
      ),
    );
    return pages.flatMap((page) =>
      page.items.flatMap((a): PrivilegedAssignment[] =>
        a.principal
          ? [
              {
                roleDefinitionId: a.roleDefinitionId,
                principal: undefinedless({
                  id: a.principal.id,
                  kind: principalKind(a.principal['@odata.type']),
                  userPrincipalName: a.principal.userPrincipalName,
                  displayName: a.principal.displayName,
                }) as PrivilegedAssignment['principal'],
              },
            ]
          : [],
      ),
    );
  }

  async mfaRegistrations(ids?: string[]): Promise<MfaRegistration[]> {
    const read = (filter?: string) =>
      this.collect(
        '/reports/authenticationMethods/userRegistrationDetails',
        registrationSchema,
        this.call('reading MFA registration details', posturePermissions.registration),
        filter ? (r) => r.filter(filter) : undefined,
      );
    // The report takes only $filter and $orderby; one small read per user when the set is known.
    const pages = ids ? await Promise.all(ids.map((id) => read(`id eq '${id.replace(/'/g, "''")}'`))) : [await read()];
    return pages.flatMap((page) =>
      page.items.map((r) => ({
        id: r.id,
        userPrincipalName: r.userPrincipalName,
        isMfaRegistered: r.isMfaRegistered,
        methodsRegistered: r.methodsRegistered ?? [],
      })),
    );
  }

  async riskyUsers(): Promise<RiskyUser[]> {
    const page = await this.collect(
      '/identityProtection/riskyUsers',
      riskyUserSchema,
      this.call('listing high-risk users', posturePermissions.risk),
      (r) => r.filter("riskLevel eq 'high' and riskState eq 'atRisk'"),
    );
    return page.items.map((u) => undefinedless(u) as RiskyUser);
  }
}
