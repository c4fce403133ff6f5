import type { ConditionalAccessPolicy, ConditionalAccessReader } from '../../../activities/graph/conditional-access';

/**
 * An `acrs` claim proves a fresh MFA only when Conditional Access makes it so: `acrs` is issued even where no policy
 * targets the context. So the product checks, at start and every few minutes, that an enabled policy for the
 * configured context requires MFA (or an authentication strength) with sign-in frequency "every time"; until then
 * step-up is refused and says why.
 */

export type Readiness = { ready: true; policy: string } | { ready: false; reason: string };

/** Why no policy makes `contextId` a proof of fresh MFA, or the policy that does. Pure. */
export function stepUpPolicyCheck(policies: ConditionalAccessPolicy[], contextId: string): Readiness {
  const targeting = policies.filter((p) =>
    (p.conditions?.applications?.includeAuthenticationContextClassReferences ?? []).includes(contextId),
  );
  if (targeting.length === 0)
    return { ready: false, reason: `no Conditional Access policy targets authentication context ${contextId}` };
  const proving = targeting.find(
    (p) =>
      p.state === 'enabled' &&
      ((p.grantControls?.builtInControls ?? []).includes('mfa') || Boolean(p.grantControls?.authenticationStrength)) &&
      p.sessionControls?.signInFrequency?.isEnabled === true &&
      p.sessionControls.signInFrequency.frequencyInterval === 'everyTime',
  );
  if (!proving)
    return {
      ready: false,
      reason: `the Conditional Access policies for authentication context ${contextId} (${targeting.map((p) => p.displayName ?? p.id).join(', ')}) do not all of: state enabled, require MFA or an authentication strength, sign-in frequency every time`,
    };
  return { ready: true, policy: proving.displayName ?? proving.id };
}

export interface StepUpReadiness {
  current(): Readiness;
  /** Reads the policies again (at start, then every `intervalMs`). */
  refresh(): Promise<Readiness>;
  stop(): void;
}

export const READINESS_INTERVAL_MS = 5 * 60_000;

export function watchReadiness(options: {
  reader: ConditionalAccessReader;
  contextId: string;
  log: (ready: Readiness) => void;
  intervalMs?: number;
}): StepUpReadiness {
  let state: Readiness = { ready: false, reason: 'the Conditional Access policies have not been read yet' };
  async function refresh(): Promise<Readiness> {
    let next: Readiness;
    try {
      next = stepUpPolicyCheck(await options.reader.policies(), options.contextId);
    } catch (err) {
      next = {
        ready: false,
        reason: `the Conditional Access policies cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const changed = next.ready !== state.ready || (!next.ready && !state.ready && next.reason !== state.reason);
    state = next;
    if (changed) options.log(next);
    return next;
  }
  const timer = setInterval(() => void refresh(), options.intervalMs ?? READINESS_INTERVAL_MS);
  timer.unref();
  return { current: () => state, refresh, stop: () => clearInterval(timer) };
}
