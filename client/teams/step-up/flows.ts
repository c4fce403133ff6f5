import { createHash, randomBytes } from 'node:crypto';
import type { UserAnswer } from '../../../common/triage';

/**
 * The step-up's one-time, short-lived, server-side secrets. A link (`/stepup?t=…`) is bound to the case, the asked
 * user and the answer; opening it spends it and starts a sign-in with its own `state`, `nonce` and PKCE verifier,
 * which the callback spends in turn. Nothing is reusable: a replayed link, `state` or `nonce` finds nothing.
 */

export interface PendingAnswer {
  workflowId: string;
  /** Entra object id of the person asked: the ID token's `oid` must be this. */
  userObjectId: string;
  /** The identity the workflow asked (UPN, else object id); the answer is sent as theirs, and pre-fills the sign-in. */
  answerAs: string;
  answer: UserAnswer;
}

export interface SignInFlow extends PendingAnswer {
  nonce: string;
  codeVerifier: string;
}

const random = () => randomBytes(32).toString('base64url');
export const pkceChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** Entries that can be taken once, before they expire. */
class OneTime<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}
  put(value: T): string {
    const now = Date.now();
    for (const [key, entry] of this.entries)
      if (entry.expiresAt <= now || this.entries.size >= this.max) this.entries.delete(key);
    const key = random();
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    return key;
  }
  take(key: string): T | undefined {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
  }
}

export class StepUpFlows {
  private readonly links: OneTime<PendingAnswer>;
  private readonly signIns: OneTime<SignInFlow>;
  /** Nonces of ID tokens already accepted: a token is never accepted twice, whatever flow carries it. */
  private readonly usedNonces = new Set<string>();

  constructor(ttlMs: number) {
    this.links = new OneTime(ttlMs);
    this.signIns = new OneTime(ttlMs);
  }

  /** A link token for this answer. */
  link(answer: PendingAnswer): string {
    return this.links.put(answer);
  }

  /** Spends a link token and starts a sign-in: its `state`, with a fresh nonce and PKCE verifier. */
  start(linkToken: string): { state: string; flow: SignInFlow } | undefined {
    const answer = this.links.take(linkToken);
    if (!answer) return undefined;
    const flow = { ...answer, nonce: random(), codeVerifier: random() };
    return { state: this.signIns.put(flow), flow };
  }

  /** Spends a `state`: the callback of a sign-in, once. */
  finish(state: string): SignInFlow | undefined {
    return this.signIns.take(state);
  }

  /** True the first time a nonce is spent. */
  spendNonce(nonce: string): boolean {
    if (this.usedNonces.has(nonce)) return false;
    this.usedNonces.add(nonce);
    if (this.usedNonces.size > 50_000) this.usedNonces.delete(this.usedNonces.values().next().value!);
    return true;
  }
}
