import { randomBytes } from 'node:crypto';
import { cardBinder } from '../../activities/teams/card-token';
import {
  ADAPTIVE_CARD_VERSION,
  cardText,
  decidedCard,
  noticeCard,
  questionCard,
  questionOutcomeCard,
  recordedWhileDownCard,
  decidedLine,
  reminderCard,
  socCard,
  socChoices,
  type AdaptiveCard,
  type SocCardView,
} from '../../activities/teams/cards';
import { renderCase } from '../../common/case-details';
import type { CaseState, ContainmentRecord } from '../../common/triage';
import { newCaseState, questionFacts } from '../../workflows/triage/rules';
import { JDOE, makeAlert, makeInput } from '../harness/alerts';

/**
 * The cards as pure functions: Adaptive Cards 1.5 with Universal Actions and their fallback, every piece of
 * alert-derived text as plain text (a TextRun renders no Markdown), and on the SOC card only the decisions that apply.
 */

const bind = cardBinder(randomBytes(32));
const LINK = '[Reset your password](https://evil.example)';
const hostile = (what: string) => `${LINK} **bold ${what}** <b>html</b> back\\slash \\*x\\*\nnext line`;
/** Fragments of hostile text: none may reach a TextBlock or a Fact, where Teams would render Markdown. */
const fragments = ['evil.example', 'Reset your password', '**bold', '<b>', 'back\\slash'];

const alert = makeAlert({
  title: hostile('title'),
  description: hostile('description'),
  ruleName: hostile('rule'),
  entities: { userPrincipalName: JDOE.upn, userObjectId: JDOE.id, host: hostile('host'), sourceIp: '203.0.113.50' },
});
const containment: ContainmentRecord[] = [
  {
    action: 'disable-account',
    target: JDOE.upn,
    status: 'applied',
    detail: hostile('containment detail'),
    at: '2030-01-01T10:05:00.000Z',
  },
];
const caseState: CaseState = {
  ...newCaseState(makeInput({ mode: 'analyst' }, alert), 'triage:generic:tests:hostile'),
  enrichment: {
    profile: {
      status: 'ok',
      data: { id: JDOE.id, userPrincipalName: JDOE.upn, displayName: hostile('name'), jobTitle: hostile('job') },
    },
    groups: {
      status: 'ok',
      data: { total: 1, truncated: false, groups: [{ id: 'g1', displayName: hostile('group'), kind: 'group' }] },
    },
    signIns: { status: 'unavailable', reason: hostile('sign-ins') },
    devices: {
      status: 'ok',
      data: { truncated: false, devices: [{ id: 'd1', name: hostile('device'), source: 'registered' }] },
    },
    risk: { status: 'not-applicable', reason: 'no risk data' },
    host: { status: 'ok', data: { id: 'h1', name: hostile('host details') } },
  },
  containment,
  closeReason: hostile('analyst note'),
  closedAt: '2030-01-01T11:00:00.000Z',
};
const view: SocCardView = {
  workflowId: caseState.workflowId,
  alert,
  reason: hostile('reason'),
  disposition: caseState.disposition,
  summary: renderCase(caseState),
  containment,
  decided: { decision: 'contain', by: hostile('analyst'), at: '2030-01-01T10:05:00.000Z', result: hostile('result') },
};
const question = {
  workflowId: caseState.workflowId,
  alert,
  user: { userPrincipalName: JDOE.upn, objectId: JDOE.id },
  deadline: '2030-01-01T10:30:00.000Z',
  facts: [...questionFacts(alert), { label: 'Application', value: hostile('application') }],
};

const cards: [string, AdaptiveCard][] = [
  ['question', questionCard(question, bind)],
  ['outcome', questionOutcomeCard('answered', 'it-was-me')],
  ['reminder', reminderCard({ ...question, messageRef: 'ref' })],
  ['SOC', socCard(view, bind)],
  ['closed SOC', socCard({ ...view, closed: true }, bind)],
  ['decision', decidedCard(view.decided!)],
  ['decision recorded while down', recordedWhileDownCard('The decision is recorded', decidedLine(view.decided!))],
  ['refusal', noticeCard(`Only ${hostile('user')} can answer this`)],
];

function elements(node: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) node.forEach((n) => elements(n, found));
  else if (node && typeof node === 'object') {
    const el = node as Record<string, unknown>;
    if (typeof el.type === 'string') found.push(el);
    for (const value of Object.values(el)) if (typeof value === 'object') elements(value, found);
  }
  return found;
}

test.each(cards)('%s card: version 1.5, no FactSet, and no alert text in a TextBlock', (_name, card) => {
  expect(card.version).toBe(ADAPTIVE_CARD_VERSION);
  expect(ADAPTIVE_CARD_VERSION).toBe('1.5');
  const all = elements(card);
  expect(all.filter((e) => e.type === 'FactSet')).toEqual([]);
  for (const block of all.filter((e) => e.type === 'TextBlock')) {
    for (const fragment of fragments) expect(String(block.text)).not.toContain(fragment);
  }
});

test('hostile text is shown as written, brackets, asterisks, tags, backslashes and line breaks included', () => {
  const [shownQuestion, shownSoc] = [cardText(cards[0]![1]), cardText(cards[3]![1])];
  expect(shownQuestion).toContain(`What: ${hostile('title')}`);
  expect(shownQuestion).toContain(`Details: ${hostile('description')}`);
  expect(shownQuestion).toContain(`Device: ${hostile('host')}`);
  expect(shownQuestion).toContain(`Application: ${hostile('application')}`);
  expect(shownSoc).toContain(`Security alert: ${hostile('title')}`);
  expect(shownSoc).toContain(`Why you are seeing this: ${hostile('reason')}`);
  expect(shownSoc).toContain(`Rule: ${hostile('rule')} (high)`);
  expect(shownSoc).toContain(`Host: ${hostile('host')}`);
  expect(shownSoc).toContain(
    `Contain — decided by ${hostile('analyst')} at 2030-01-01 10:05 UTC (${hostile('result')})`,
  );
  for (const part of ['name', 'job', 'group', 'device', 'host details', 'containment detail', 'analyst note']) {
    expect(shownSoc).toContain(hostile(part));
  }
  expect(shownSoc).toContain(`disable-account ${JDOE.upn}: applied — ${hostile('containment detail')}`);
  expect(shownSoc).toContain(`unavailable: ${hostile('sign-ins')}`);
  // Every text run of alert text is a plain run: our labels are the only bold ones.
  const runs = elements(cards[3]![1]).filter((e) => e.type === 'TextRun');
  expect(runs.filter((r) => r.weight === 'Bolder' && fragments.some((f) => String(r.text).includes(f)))).toEqual([
    expect.objectContaining({ text: `Security alert: ${hostile('title')}`, size: 'Large' }),
  ]);
});

test('the SOC card shows each fact once: the summary leaves out what the card facts already say', () => {
  const lines = cardText(socCard(view, bind)).split('\n');
  for (const label of ['Rule', 'Detected', 'Disposition', 'Case', 'User', 'Host', 'IP']) {
    expect(lines.filter((l) => l.startsWith(`${label}: `))).toHaveLength(1);
  }
  const shown = lines.join('\n');
  expect(shown).not.toContain('Entities:');
  expect(shown).not.toContain('Severity:');
  expect(shown.match(/Disposition/g)).toHaveLength(1);
  expect(shown).toMatch(/^State: /m);
});

test('every Action.Execute has an Action.Submit fallback with the same data and its verb', () => {
  for (const [, card] of cards) {
    for (const action of card.actions ?? []) {
      expect(action.type).toBe('Action.Execute');
      expect(action.fallback).toEqual({
        type: 'Action.Submit',
        title: action.title,
        data: { ...action.data, verb: action.verb },
      });
    }
  }
  expect(cards[0]![1].actions?.map((a) => a.title)).toEqual(['Yes, this was me', "No, this wasn't me"]);
});

test('the SOC card offers only the decisions that apply to the case', () => {
  const base: SocCardView = { ...view, containment: [], decided: undefined };
  const record = (status: ContainmentRecord['status']): ContainmentRecord[] => [{ ...containment[0]!, status }];
  expect(socChoices(base)).toEqual(['contain', 'close-benign', 'close-false-positive']);
  expect(socChoices({ ...base, containment: record('applied') })).toEqual([
    'close-benign',
    'close-false-positive',
    'release-containment',
  ]);
  // In place before this case: release would change nothing this case did.
  expect(socChoices({ ...base, containment: record('already-in-place') })).toEqual([
    'contain',
    'close-benign',
    'close-false-positive',
  ]);
  expect(socChoices({ ...base, containment: record('undone') })).toEqual([
    'contain',
    'close-benign',
    'close-false-positive',
  ]);
  // A containment that failed in part may be tried again, and what it applied released.
  expect(socChoices({ ...base, containment: [...record('applied'), ...record('failed')] })).toEqual([
    'contain',
    'close-benign',
    'close-false-positive',
    'release-containment',
  ]);
  // Just decided, before the workflow has applied or undone anything.
  const decided = { by: 'Ana Lyst', at: '2030-01-01T10:05:00.000Z' };
  expect(socChoices({ ...base, decided: { ...decided, decision: 'contain' } })).toEqual([
    'close-benign',
    'close-false-positive',
    'release-containment',
  ]);
  expect(
    socChoices({ ...base, containment: record('applied'), decided: { ...decided, decision: 'release-containment' } }),
  ).toEqual(['contain', 'close-benign', 'close-false-positive']);
  expect(socChoices({ ...base, containment: record('applied'), closed: true })).toEqual([]);
  expect(socCard({ ...base, closed: true }, bind).actions).toBeUndefined();
});
