import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Every button on a card carries its binding — which case, which card kind, who was asked, which choices the card
 * offers — and an HMAC over it. The bot recomputes the HMAC before it believes anything in the click: a card cannot be
 * pointed at another case, another user or a choice it never offered.
 */

export type CardKind = 'question' | 'soc';

export interface CardBinding {
  kind: CardKind;
  workflowId: string;
  /** Question cards: Entra object id of the person asked — the only one whose click counts. */
  userId?: string;
  /** Question cards: the identity the workflow asked (UPN, else object id); the answer is recorded as theirs. */
  answerAs?: string;
  /** The choices the card offers, in card order. */
  choices: string[];
  /** Question cards: the "yes" counts only after a step-up sign-in (the rule asks for it). */
  stepUp?: true;
  /**
   * Question cards in their own words: what each choice (same order as `choices`) said and what follows it, so the
   * bot's answer to a click repeats the card's words. Signed with the rest: a click cannot inject display text.
   */
  answerWording?: { label: string; after: string }[];
}

/** The data of an `Action.Execute` button: the binding, its HMAC, and the choice this button makes. */
export type BoundActionData = CardBinding & { token: string; choice: string };

export const boundActionDataSchema = z.object({
  kind: z.enum(['question', 'soc']),
  workflowId: z.string().min(1).max(1000),
  userId: z.string().min(1).max(64).optional(),
  answerAs: z.string().min(1).max(256).optional(),
  choices: z.array(z.string().min(1).max(64)).min(1).max(10),
  stepUp: z.literal(true).optional(),
  answerWording: z
    .array(z.object({ label: z.string().min(1).max(200), after: z.string().max(1000) }))
    .min(1)
    .max(10)
    .optional(),
  token: z.string().min(1).max(128),
  choice: z.string().min(1).max(64),
});

const VERSION = 'soc-triage-card/v1';

function mac(key: Buffer, binding: CardBinding): Buffer {
  const canonical = JSON.stringify([
    VERSION,
    binding.kind,
    binding.workflowId,
    binding.userId ?? '',
    binding.answerAs ?? '',
    binding.choices,
    // Appended only when set, so cards posted before step-up existed keep their HMAC.
    ...(binding.stepUp ? ['step-up'] : []),
    ...(binding.answerWording ? ['wording', binding.answerWording.map((w) => [w.label, w.after])] : []),
  ]);
  return createHmac('sha256', key).update(canonical).digest();
}

export function signCardBinding(key: Buffer, binding: CardBinding): string {
  return mac(key, binding).toString('base64url');
}

/** A function the card builders call to get each button's data. */
export type Binder = (binding: CardBinding) => (choice: string) => BoundActionData;

export function cardBinder(key: Buffer): Binder {
  return (binding) => {
    const token = signCardBinding(key, binding);
    return (choice) => ({ ...binding, token, choice });
  };
}

export type CardDataCheck = { ok: true; data: BoundActionData } | { ok: false; reason: string };

/** Parses the click's `action.data` and checks its HMAC and that the choice is one the card offered. */
export function verifyCardData(key: Buffer, raw: unknown): CardDataCheck {
  const parsed = boundActionDataSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'the card data is not a SOC triage card' };
  const { token, choice, ...binding } = parsed.data;
  const expected = mac(key, binding);
  const given = Buffer.from(token, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the card data was altered' };
  }
  if (!binding.choices.includes(choice)) return { ok: false, reason: 'the card does not offer that choice' };
  return { ok: true, data: parsed.data };
}
