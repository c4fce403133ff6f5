/**
 * Step-up: the user's "yes, it was me" counts only once the same user has proved a fresh sign-in with MFA to Entra ID
 * (the bot's confirmation page checks the ID token; see `client/teams/step-up/`). The proof's facts travel with the
 * answer and are recorded on the case. Pure: safe in workflow code.
 */

export const STEP_UP_METHOD = 'entra-step-up';

export interface StepUpProof {
  /** When the product verified the ID token (ISO). */
  verifiedAt: string;
  method: typeof STEP_UP_METHOD;
  /** The token's `acrs` claim: the Conditional Access authentication contexts satisfied, the configured one among them. */
  acrs: string[];
  /** The token's `auth_time` (ISO), when the app registration asks for it. */
  authTime?: string;
}

const isIsoTime = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** A signal's payload is unchecked until the handler: this is the shape a proof must have to count. */
export function isStepUpProof(value: unknown): value is StepUpProof {
  if (!value || typeof value !== 'object') return false;
  const proof = value as Record<string, unknown>;
  return (
    isIsoTime(proof.verifiedAt) &&
    proof.method === STEP_UP_METHOD &&
    Array.isArray(proof.acrs) &&
    proof.acrs.length > 0 &&
    proof.acrs.every((a) => typeof a === 'string') &&
    (proof.authTime === undefined || isIsoTime(proof.authTime))
  );
}

/** The answers step-up guards: "no, it wasn't me" is the safe answer and needs none. */
export const STEP_UP_ANSWERS = ['it-was-me'] as const;
