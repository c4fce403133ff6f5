import type { QuestionState } from '../../common/triage';
import { answeredAt, answerRefusal, SENT_AT_SKEW_MS } from '../../workflows/triage/requests';

/** When an answer counts as given: the caller's `sentAt`, kept between the question and workflow time. */

const askedAt = Date.parse('2026-01-01T10:00:00Z');
const question: QuestionState = {
  userId: 'jdoe-id',
  userPrincipalName: 'jdoe@contoso.example',
  askedAt: new Date(askedAt).toISOString(),
  deadline: new Date(askedAt + 30 * 60_000).toISOString(),
  messageRef: 'activity-1',
};
const minutes = (n: number) => askedAt + n * 60_000;
const jdoe = { userId: 'jdoe@contoso.example', answer: 'it-was-me' as const };

test('an answer sent before the deadline counts even when the workflow sees it after the deadline', () => {
  const at = answeredAt(question, new Date(minutes(29)).toISOString(), minutes(45));
  expect(at).toBe(minutes(29));
  expect(answerRefusal(question, jdoe, at)).toBeUndefined();
});

test('an answer sent after the deadline is refused as expired', () => {
  const at = answeredAt(question, new Date(minutes(31)).toISOString(), minutes(45));
  expect(answerRefusal(question, jdoe, at)).toBe('this question has expired');
});

test('a sentAt before the question is read as the question time; one beyond workflow time plus skew as that', () => {
  expect(answeredAt(question, new Date(minutes(-60)).toISOString(), minutes(5))).toBe(askedAt);
  expect(answeredAt(question, new Date(minutes(120)).toISOString(), minutes(5))).toBe(minutes(5) + SENT_AT_SKEW_MS);
  // A caller whose clock runs far ahead cannot make a late answer look early, nor an early one late beyond the skew.
  expect(answerRefusal(question, jdoe, answeredAt(question, new Date(minutes(120)).toISOString(), minutes(40)))).toBe(
    'this question has expired',
  );
});

test('a missing or unreadable sentAt is read as workflow time', () => {
  expect(answeredAt(question, undefined, minutes(3))).toBe(minutes(3));
  expect(answeredAt(question, 'yesterday-ish', minutes(3))).toBe(minutes(3));
});

test('where the rule asks for step-up, a "yes" counts only with a step-up proof; "no" needs none', () => {
  const guarded: QuestionState = { ...question, stepUpRequired: true };
  const proof = { verifiedAt: new Date(minutes(2)).toISOString(), method: 'entra-step-up' as const, acrs: ['c1'] };
  const refusal = 'this answer counts only after a verified step-up sign-in with MFA';
  expect(answerRefusal(guarded, jdoe, minutes(3))).toBe(refusal);
  expect(answerRefusal(guarded, { ...jdoe, stepUp: { ...proof, acrs: [] } }, minutes(3))).toBe(refusal);
  expect(answerRefusal(guarded, { ...jdoe, stepUp: { ...proof, method: 'sms' } as never }, minutes(3))).toBe(refusal);
  expect(answerRefusal(guarded, { ...jdoe, stepUp: proof }, minutes(3))).toBeUndefined();
  expect(answerRefusal(guarded, { ...jdoe, answer: 'it-was-not-me' }, minutes(3))).toBeUndefined();
  // A case asked before step-up existed (or whose rule says stepUp: false) takes a "yes" as before.
  expect(answerRefusal(question, jdoe, minutes(3))).toBeUndefined();
});

test('an answer to a card still being posted counts, from the asked user only; cases from before wait for the post', () => {
  const { messageRef: _notYetRecorded, ...posting } = question;
  const delivery = { duringDelivery: true };
  expect(answerRefusal(posting, jdoe, minutes(1), delivery)).toBeUndefined();
  expect(answerRefusal(posting, { ...jdoe, userId: 'mallory@contoso.example' }, minutes(1), delivery)).toBe(
    'only jdoe@contoso.example can answer this question',
  );
  expect(answerRefusal(undefined, jdoe, minutes(1), delivery)).toBe('the user has not been asked about this alert');
  expect(answerRefusal({ ...posting, outcome: 'undeliverable' }, jdoe, minutes(1), delivery)).toBe(
    'the card could not be confirmed as delivered, and the security team has taken over this case',
  );
  expect(answerRefusal(posting, jdoe, minutes(1))).toBe('the user has not been asked about this alert');
});
