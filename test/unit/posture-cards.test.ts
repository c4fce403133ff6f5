import { randomBytes } from 'node:crypto';
import { cardBinder, verifyCardData } from '../../activities/teams/card-token';
import {
  boundAnswerWording,
  cardText,
  questionCard,
  questionOutcomeCard,
  type AdaptiveCard,
} from '../../activities/teams/cards';
import type { PostureFinding } from '../../common/posture';
import type { UserQuestion } from '../../common/triage';
import { questionFacts, questionWording } from '../../workflows/posture/plan';
import { routine } from '../harness/posture';

/** The posture question cards in the finding's words: plain text throughout, answers signed into the card. */

const key = randomBytes(32);
const bind = cardBinder(key);
const hostile = '[pat](https://evil.example) **x** <b>';
const SPONSOR = { objectId: '11111111-1111-4111-8111-111111111111', userPrincipalName: 'jdoe@contoso.example' };

const staleGuests = routine(
  'check: stale-guests\nschedule: { every: 1d }\nmode: ask-then-act\nparameters: { inactiveFor: 90d, answerWithin: 3d, snoozeFor: 30d, undoWindow: 7d }',
);
const mfa = routine(
  'check: privileged-without-mfa\nschedule: { every: 12h }\nmode: ask-then-act\nparameters: { registerWithin: 2d }',
);
const guestFinding: PostureFinding = {
  subject: { id: 'b0000000-0000-4000-8000-000000000001', label: hostile },
  summary: 'stale',
  facts: [{ label: 'Last sign-in', value: 'never' }],
  askee: { ...SPONSOR, label: SPONSOR.userPrincipalName },
};
const adminFinding: PostureFinding = {
  subject: { id: 'c0000000-0000-4000-8000-000000000001', label: 'root-admin@contoso.example' },
  summary: 'no mfa',
  facts: [{ label: 'Roles', value: hostile }],
  askee: { objectId: 'c0000000-0000-4000-8000-000000000001', label: 'root-admin@contoso.example' },
};

function askCard(r: typeof staleGuests, finding: PostureFinding): AdaptiveCard {
  const question: UserQuestion = {
    workflowId: 'posture-r-subject',
    alert: {} as UserQuestion['alert'],
    user: finding.askee!,
    deadline: '2030-01-04T10:00:00.000Z',
    facts: questionFacts(r, finding),
    wording: questionWording(r, finding)!,
  };
  return questionCard(question, bind);
}

function textBlocks(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => textBlocks(n, found));
  else if (node && typeof node === 'object') {
    const el = node as Record<string, unknown>;
    if (el.type === 'TextBlock') found.push(String(el.text));
    Object.values(el).forEach((v) => typeof v === 'object' && textBlocks(v, found));
  }
  return found;
}
const buttons = (card: AdaptiveCard) => card.actions!.map((a) => ({ title: a.title, choice: a.data.choice }));

test('stale guest: asks the sponsor whether the guest is still needed, Keep/Remove by name, all finding text plain', () => {
  const card = askCard(staleGuests, guestFinding);
  const shown = cardText(card);
  expect(shown).toContain('Is this guest still needed?');
  expect(shown).toContain(`You (jdoe@contoso.example) are the sponsor of the guest account ${hostile}`);
  expect(shown).toContain('Remove, or no answer by the deadline: the guest account is disabled.');
  expect(shown).toContain('asked again in 30d');
  expect(shown).not.toMatch(/Was this you|this was me|Posture check/);
  expect(buttons(card)).toEqual([
    { title: `Keep ${hostile}`, choice: 'it-was-me' },
    { title: `Remove ${hostile}`, choice: 'it-was-not-me' },
  ]);
  for (const block of textBlocks(card)) expect(block).not.toContain('evil.example');

  const removed = questionOutcomeCard(
    'answered',
    'it-was-not-me',
    boundAnswerWording(card.actions![1]!.data, 'it-was-not-me'),
  );
  expect(cardText(removed)).toContain(`You answered: Remove ${hostile}.`);
  expect(cardText(removed)).toContain(`${hostile} will be disabled.`);
  for (const block of textBlocks(removed)) expect(block).not.toContain('evil.example');
});

test('privileged without MFA: asks to register, names the roles, offers the one answer that does what it says', () => {
  const card = askCard(mfa, adminFinding);
  const shown = cardText(card);
  expect(shown).toContain('Register a multi-factor authentication method');
  expect(shown).toContain(`holds privileged roles (${hostile})`);
  expect(shown).toContain('within 2d');
  expect(buttons(card)).toEqual([{ title: 'I have registered a method', choice: 'it-was-me' }]);
  for (const block of textBlocks(card)) expect(block).not.toContain('evil.example');
  // The other answer is not on the card, so a click cannot make it.
  const data = card.actions![0]!.data;
  expect(verifyCardData(key, { ...data, choice: 'it-was-not-me' })).toEqual({
    ok: false,
    reason: 'the card does not offer that choice',
  });
});

test('the words the bot repeats are signed: a click with another label is refused', () => {
  const data = askCard(staleGuests, guestFinding).actions![1]!.data;
  expect(verifyCardData(key, data)).toMatchObject({ ok: true });
  const forged = data.answerWording!.map((w) => ({ ...w, label: '**Click here** https://evil.example' }));
  expect(verifyCardData(key, { ...data, answerWording: forged })).toEqual({
    ok: false,
    reason: 'the card data was altered',
  });
  const { answerWording: _dropped, ...unworded } = data;
  expect(verifyCardData(key, unworded)).toEqual({ ok: false, reason: 'the card data was altered' });
});

test('the triage question is unchanged: "Was this you?", its two answers, a binding without wording', () => {
  const card = questionCard(
    {
      workflowId: 'triage:generic:tests:1',
      alert: {} as UserQuestion['alert'],
      user: SPONSOR,
      deadline: '2030-01-01T10:30:00.000Z',
      facts: [{ label: 'When', value: '2030-01-01T10:00:00.000Z' }],
    },
    bind,
  );
  expect(cardText(card)).toBe(
    [
      'Was this you?',
      'The security team noticed this activity on your account (jdoe@contoso.example) and wants to make sure it was you.',
      'When: 2030-01-01 10:00 UTC',
      'Please answer by 2030-01-01 10:30 UTC. If you do not recognise it, choose "No" — the security team will protect your account.',
      '[Yes, this was me]',
      "[No, this wasn't me]",
    ].join('\n'),
  );
  expect(card.actions![0]!.data).not.toHaveProperty('answerWording');
  expect(cardText(questionOutcomeCard('answered', 'it-was-not-me'))).toContain("You answered: **No, this wasn't me**.");
});
