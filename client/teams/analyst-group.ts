import type { IdentityDirectory } from '../../activities/ports';

/**
 * Analysts named by Entra group (SOC_ANALYST_GROUP_ID): is this clicker a member, directly or through nested groups?
 * A port, so the bot can be tested against the Graph stand-in; answers are cached briefly, since a click waits on it
 * and removal from the group should still take effect within minutes.
 */
export interface AnalystGroup {
  /** True when the Entra object id is a (transitive) member of the analysts' group. Throws when Graph cannot tell. */
  isMember(objectId: string): Promise<boolean>;
}

export const ANALYST_GROUP_CACHE_MS = 5 * 60_000;

/**
 * The membership read through the identity port's `transitiveMemberOf` listing (User.Read.All and
 * GroupMember.Read.All). Up to 999 memberships are read; a user in more than that who is not found among them is
 * refused (fail closed) rather than believed.
 */
export function graphAnalystGroup(
  identity: Pick<IdentityDirectory, 'groupMemberships'>,
  groupId: string,
): AnalystGroup {
  const wanted = groupId.toLowerCase();
  return {
    async isMember(objectId) {
      const memberships = await identity.groupMemberships({ objectId }, 999);
      return memberships.groups.some((g) => g.kind === 'group' && g.id.toLowerCase() === wanted);
    },
  };
}

/** Remembers each answer for `ttlMs`; failures are not remembered. */
export function cachedAnalystGroup(
  group: AnalystGroup,
  ttlMs = ANALYST_GROUP_CACHE_MS,
  now: () => number = Date.now,
): AnalystGroup {
  const answers = new Map<string, { member: boolean; until: number }>();
  return {
    async isMember(objectId) {
      const key = objectId.toLowerCase();
      const cached = answers.get(key);
      if (cached && cached.until > now()) return cached.member;
      const member = await group.isMember(objectId);
      answers.set(key, { member, until: now() + ttlMs });
      if (answers.size > 10_000) answers.delete(answers.keys().next().value!);
      return member;
    },
  };
}
