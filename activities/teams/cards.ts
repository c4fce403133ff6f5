import {
  analystDecisionLabels,
  type AnalystDecisionKind,
  type AnswerWording,
  type EscalationNotice,
  type QuestionReminder,
  type QuestionWording,
  type UserAnswer,
  type UserQuestion,
} from '../../common/triage';
import type { Binder, BoundActionData } from './card-token';
import { MISSED_BY_TITLE, MISSED_BY_VERB, missedByInput, type InputChoiceSet, type InputText } from './missed-by-card';

/**
 * Every Adaptive Card the SOC bot shows, as pure functions of the case: the messenger posts them, the bot answers
 * clicks with them. Adaptive Cards 1.5 with `Action.Execute` (Universal Actions; the current Teams page asks for 1.5),
 * each with a fallback `Action.Submit` carrying the same data for clients without Universal Actions.
 *
 * Alert-derived text (anything an attacker can influence: titles, descriptions, names, enrichment, notes, the case
 * summary) is only ever put in a `TextRun`, which renders no Markdown: `TextBlock` and `Fact` render a Markdown subset
 * with links, and backslash escaping differs between Teams clients. `TextBlock` holds only our own words.
 */

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_VERSION = '1.5';

type Color = 'Good' | 'Attention' | 'Warning' | 'Accent';
export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  size?: 'Small' | 'Medium' | 'Large';
  weight?: 'Bolder';
  color?: Color;
  isSubtle?: boolean;
  spacing?: 'Medium' | 'Large';
}
/** Plain text: Adaptive Cards render no Markdown in a TextRun. */
export interface TextRun {
  type: 'TextRun';
  text: string;
  size?: 'Small' | 'Medium' | 'Large';
  weight?: 'Bolder';
  italic?: boolean;
  color?: Color;
  isSubtle?: boolean;
}
export interface RichTextBlock {
  type: 'RichTextBlock';
  inlines: TextRun[];
}
export interface Container {
  type: 'Container';
  items: CardElement[];
  style?: 'emphasis' | 'good' | 'attention';
}
export type CardElement = TextBlock | RichTextBlock | Container | InputText | InputChoiceSet;
/** The same click for a client without Universal Actions: it arrives as a message whose `value` is `data`. */
export interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  data: SubmittedActionData;
}
export interface ExecuteAction {
  type: 'Action.Execute';
  title: string;
  verb: string;
  data: BoundActionData;
  style?: 'positive' | 'destructive';
  fallback: SubmitAction;
}
/** An `Action.Submit` has no verb: its data carries it. */
export type SubmittedActionData = BoundActionData & { verb: string };
/** Opens the URL in the browser; the bot is not told of the click. */
export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}
export interface AdaptiveCard<Action = ExecuteAction> {
  type: 'AdaptiveCard';
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  version: typeof ADAPTIVE_CARD_VERSION;
  body: CardElement[];
  actions?: Action[];
}
/** A card with a link among its actions. */
export type LinkCard = AdaptiveCard<ExecuteAction | OpenUrlAction>;

function card<Action = ExecuteAction>(body: CardElement[], actions?: Action[]): AdaptiveCard<Action> {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(actions?.length ? { actions } : {}),
  };
}

function execute(title: string, verb: string, data: BoundActionData, style?: ExecuteAction['style']): ExecuteAction {
  return {
    type: 'Action.Execute',
    title,
    verb,
    data,
    ...(style ? { style } : {}),
    fallback: { type: 'Action.Submit', title, data: { ...data, verb } },
  };
}

/** Our own words (may use the Markdown subset). */
const text = (value: string, extra: Omit<TextBlock, 'type' | 'text' | 'wrap'> = {}): TextBlock => ({
  type: 'TextBlock',
  text: value,
  wrap: true,
  ...extra,
});
const heading = (value: string, color?: TextBlock['color']): TextBlock =>
  text(value, { size: 'Large', weight: 'Bolder', ...(color ? { color } : {}) });

/** Text shown exactly as given: any alert-derived string. */
export const run = (value: string, extra: Omit<TextRun, 'type' | 'text'> = {}): TextRun => ({
  type: 'TextRun',
  text: value,
  ...extra,
});
const bold = (value: string): TextRun => run(value, { weight: 'Bolder' });
const plain = (...inlines: (TextRun | string)[]): RichTextBlock => ({
  type: 'RichTextBlock',
  inlines: inlines.filter((i) => i !== '').map((i) => (typeof i === 'string' ? run(i) : i)),
});
/** "Label: value" with our label in bold and the value as plain text. */
const fact = (label: string, value: string): RichTextBlock => plain(bold(`${label}: `), value);

/** "2025-03-01 14:05 UTC" — an ISO timestamp a person can read; anything else unchanged. */
export function readableTime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return value;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// ---- the question to the affected user -----------------------------------------------------------------------------

export const ANSWER_VERB = 'answer';
export const answerLabels: Record<UserAnswer, string> = {
  'it-was-me': 'Yes, this was me',
  'it-was-not-me': "No, this wasn't me",
};
const answerChoices: UserAnswer[] = ['it-was-me', 'it-was-not-me'];

/**
 * "Was this you?" with the facts that let a person recognise the event, and the two answers.
 * `question.user.objectId` must be set: the card admits only that Entra user's clicks.
 */
export function questionCard(question: UserQuestion, bind: Binder): AdaptiveCard {
  if (question.wording) return wordedQuestionCard(question, question.wording, bind);
  const userId = question.user.objectId ?? '';
  const answerAs = question.user.userPrincipalName ?? userId;
  const data = bind({
    kind: 'question',
    workflowId: question.workflowId,
    userId,
    answerAs,
    choices: answerChoices,
    ...(question.stepUp ? { stepUp: true as const } : {}),
  });
  return card(
    [
      heading('Was this you?'),
      plain(
        'The security team noticed this activity on your account (',
        answerAs,
        ') and wants to make sure it was you.',
      ),
      ...question.facts.map((f) => fact(f.label, readableTime(f.value))),
      text(
        `Please answer by ${readableTime(question.deadline)}. If you do not recognise it, choose "No" — the security team will protect your account.`,
        { isSubtle: true },
      ),
    ],
    [
      execute(answerLabels['it-was-me'], ANSWER_VERB, data('it-was-me'), 'positive'),
      execute(answerLabels['it-was-not-me'], ANSWER_VERB, data('it-was-not-me'), 'destructive'),
    ],
  );
}

/**
 * A question in its own words (a posture finding's): the same binding and answers on the wire, the wording as plain
 * text throughout (it names guests and roles), and only the answers the wording offers.
 */
function wordedQuestionCard(question: UserQuestion, wording: QuestionWording, bind: Binder): AdaptiveCard {
  const userId = question.user.objectId ?? '';
  const choices = answerChoices.filter((choice) => wording.answers[choice]);
  const data = bind({
    kind: 'question',
    workflowId: question.workflowId,
    userId,
    answerAs: question.user.userPrincipalName ?? userId,
    choices,
    answerWording: choices.map((choice) => wording.answers[choice]!),
  });
  return card(
    [
      plain(run(wording.heading, { size: 'Large', weight: 'Bolder' })),
      plain(wording.intro),
      ...question.facts.map((f) => fact(f.label, readableTime(f.value))),
      plain(run(wording.footer, { isSubtle: true })),
      text(`Please answer by ${readableTime(question.deadline)}.`, { isSubtle: true }),
    ],
    choices.map((choice) =>
      execute(
        wording.answers[choice]!.label,
        ANSWER_VERB,
        data(choice),
        choice === 'it-was-me' ? 'positive' : 'destructive',
      ),
    ),
  );
}

/** What a signed question card said for `choice`, when it was worded (see `CardBinding.answerWording`). */
export function boundAnswerWording(data: BoundActionData, choice: string): AnswerWording | undefined {
  return data.answerWording?.[data.choices.indexOf(choice)];
}

/** "You answered: …" — the triage label in our Markdown, a worded label (finding-derived) as plain text. */
export function answeredLine(answer: UserAnswer, worded?: AnswerWording): TextBlock | RichTextBlock {
  return worded ? plain('You answered: ', bold(worded.label), '.') : text(`You answered: **${answerLabels[answer]}**.`);
}

export const STEP_UP_BUTTON = 'Confirm with a fresh sign-in';

/**
 * The answer to "Yes" where the rule asks for step-up: a link to the product's confirmation page, which signs the user
 * in again with MFA and only then records the answer. The question card itself is unchanged until then.
 */
export function stepUpCard(url: string, question: BoundActionData): LinkCard {
  const again = (choice: UserAnswer) => ({ ...question, choice });
  return card<ExecuteAction | OpenUrlAction>(
    [
      heading('One more step: confirm it is you'),
      text(
        'Your "Yes, this was me" counts only after you sign in again with multi-factor authentication. Open the confirmation page and sign in with your work account.',
      ),
      text('If you did not start this, ignore this message and tell the security team.', { isSubtle: true }),
    ],
    [
      { type: 'Action.OpenUrl', title: STEP_UP_BUTTON, url },
      execute(answerLabels['it-was-not-me'], ANSWER_VERB, again('it-was-not-me'), 'destructive'),
      execute('Get a new confirmation link', ANSWER_VERB, again('it-was-me')),
    ],
  );
}

/** The answer to "Yes" when the confirmation page cannot be offered: the question stays open. */
export function stepUpUnavailableCard(): AdaptiveCard {
  return card([
    heading('Step-up unavailable', 'Attention'),
    text(
      'Your "Yes" cannot be recorded right now because the confirmation sign-in is unavailable. The question stays open; the security team will follow up if it is not answered in time.',
    ),
  ]);
}

/** A reminder in the user's chat, below the question it points to. */
export function reminderCard(reminder: QuestionReminder): AdaptiveCard {
  return card([
    heading('Reminder: the security team is waiting for your answer', 'Warning'),
    text(
      `Please answer the question above about activity on your account by ${readableTime(reminder.deadline)}. Without an answer, the security team will look into it.`,
    ),
  ]);
}

export type QuestionOutcome = 'answered' | 'expired' | 'withdrawn' | 'closed';

export const outcomeHeadlines: Record<QuestionOutcome, string> = {
  answered: 'Thanks — your answer is recorded',
  expired: 'This question expired; the security team is looking into it',
  withdrawn: 'The security team has taken over this case',
  closed: 'This question is closed; the security team has the case',
};

/** What replaces the question once it is settled. No buttons: nothing more can be answered. */
export function questionOutcomeCard(
  outcome: QuestionOutcome,
  answer?: UserAnswer,
  worded?: AnswerWording,
): AdaptiveCard {
  const body: CardElement[] = [heading(outcomeHeadlines[outcome], outcome === 'answered' ? 'Good' : undefined)];
  if (outcome === 'answered' && answer && worded) {
    body.push(answeredLine(answer, worded), plain(worded.after));
  } else if (outcome === 'answered' && answer) {
    body.push(answeredLine(answer));
    body.push(
      text(
        answer === 'it-was-not-me'
          ? 'The security team is protecting your account and may contact you. You may be asked to sign in again.'
          : 'No further action is needed from you.',
      ),
    );
  } else if (outcome !== 'answered') {
    body.push(text('No answer is needed from you any more.', { isSubtle: true }));
  }
  return card(body);
}

/**
 * The answer to a click that Temporal has recorded while no triage worker is up: it takes effect when they return. No
 * buttons: clicking again would not make it sooner. `detail` is our own words, or a line holding names.
 */
export function recordedWhileDownCard(headline: string, detail: string | TextBlock | RichTextBlock): AdaptiveCard {
  return card([
    heading(headline),
    typeof detail === 'string' ? text(detail) : detail,
    text('It will take effect when the service is back; nothing more is needed from you.', { isSubtle: true }),
  ]);
}

/** A refusal told in a reply (to a click Teams sent as a message, which gets no error body); may name the user. */
export function noticeCard(message: string): AdaptiveCard {
  return card([plain(run(message, { color: 'Attention' }))]);
}

// ---- the escalation in the SOC channel ------------------------------------------------------------------------------

export type SocDecision = Extract<
  AnalystDecisionKind,
  'contain' | 'close-benign' | 'close-false-positive' | 'release-containment'
>;
export const socDecisions: SocDecision[] = ['contain', 'close-benign', 'close-false-positive', 'release-containment'];
export const socDecisionLabels: Record<SocDecision, string> = analystDecisionLabels;
export function isSocDecision(value: string): value is SocDecision {
  return (socDecisions as string[]).includes(value);
}

/** What the SOC card shows: the escalation, and once decided, who decided what and when. */
export interface SocCardView extends Omit<EscalationNotice, 'attempt'> {
  /** True once the case is closed (or a close was just accepted): no more buttons. */
  closed?: boolean;
  /** The latest decision on the case, shown with who and when. */
  decided?: { decision: AnalystDecisionKind; by: string; at: string; result?: string };
  /** Rules offered for "Should have been caught by…" (free text without them). */
  ruleChoices?: readonly string[];
  /** Rules already recorded as having missed this case, shown on the card. */
  missedBy?: readonly string[];
}

/** "Contain — decided by Ana Lyst at 2025-03-01 14:05 UTC (result)": the decision label ours, the rest plain. */
export function decidedLine(decided: NonNullable<SocCardView['decided']>): RichTextBlock {
  const { decision, by, at, result } = decided;
  return plain(
    bold(analystDecisionLabels[decision]),
    ` — decided by ${by} at ${readableTime(at)}${result ? ` (${result})` : ''}`,
  );
}

/** A card holding only who decided what: the answer to a decision when the case cannot be read back. */
export function decidedCard(decided: NonNullable<SocCardView['decided']>): AdaptiveCard {
  return card([decidedLine(decided)]);
}

/**
 * The labels of the summary's facts that the card already shows in its own facts, so each fact appears once. The
 * summary (`renderCase`) is Markdown of our own labels around alert-derived values.
 */
const shownInCardFacts = new Set(['Rule', 'Severity', 'Detected', 'Entities', 'Disposition']);
/** Summary labels that would read as the card's own facts of the same name: the directory's view of them. */
const summaryLabels: Record<string, string> = { 'User:': 'Profile:', 'Host:': 'Host details:' };
/** Our own bold fragments inside summary values (containment status; a disabled account). */
const ownEmphasis = /\*\*(applied|already-in-place|failed|undone|skipped|account disabled)\*\*/g;

/** One summary segment ("**Label:** value", a bullet, "_unavailable: reason_") as runs of plain text. */
function summaryRuns(segment: string): TextRun[] {
  const labelled = /^\*\*([^*\n]{1,60})\*\*\s?([\s\S]*)$/.exec(segment);
  const [label, rest] = labelled ? [labelled[1]!, labelled[2]!] : [undefined, segment];
  const runs: TextRun[] = label ? [bold(`${summaryLabels[label] ?? label} `)] : [];
  const italic = /^_([\s\S]*)_$/.exec(rest);
  if (italic) return [...runs, run(italic[1]!, { italic: true })];
  let last = 0;
  for (const match of rest.matchAll(ownEmphasis)) {
    if (match.index > last) runs.push(run(rest.slice(last, match.index)));
    runs.push(bold(match[1]!));
    last = match.index + match[0].length;
  }
  if (last < rest.length) runs.push(run(rest.slice(last)));
  return runs;
}

function summaryBlocks(markdown: string): RichTextBlock[] {
  return (
    markdown
      .split(/\n{2,}/)
      .map((p) => p.trim())
      // The card's own heading already names the alert.
      .filter((p) => p && !/^#{1,6}\s/.test(p))
      .slice(0, 25)
      .flatMap((p) => {
        const bullet = p.startsWith('- ');
        const segments = (bullet ? p.slice(2) : p)
          .split(' · ')
          .filter((segment) => !shownInCardFacts.has(/^\*\*([^*:]+):\*\*/.exec(segment)?.[1] ?? ''));
        if (segments.length === 0) return [];
        const inlines = segments.flatMap((segment, i) => [...(i ? [run(' · ')] : []), ...summaryRuns(segment)]);
        return [plain(...(bullet ? [run('• ')] : []), ...inlines)];
      })
  );
}

/** Something this case applied is in place (what `release-containment` would undo). */
function containedNow(view: SocCardView): boolean {
  if (view.decided?.decision === 'contain') return true;
  if (view.decided?.decision === 'release-containment') return false;
  return view.containment.some((c) => c.status === 'applied');
}

/** The decisions that apply to the case's state: none once closed; "Contain" unless contained; "Release" only then. */
export function socChoices(view: SocCardView): SocDecision[] {
  if (view.closed) return [];
  const contained = containedNow(view);
  // A containment that failed in part may be retried.
  const retry = view.containment.some((c) => c.status === 'failed') && view.decided?.decision !== 'contain';
  return socDecisions.filter((d) =>
    d === 'contain' ? !contained || retry : d === 'release-containment' ? contained : true,
  );
}

/** The escalation: enrichment summary, the reason, who decided what and when, and the decisions still open. */
export function socCard(view: SocCardView, bind: Binder): AdaptiveCard {
  const { alert } = view;
  const facts: [string, string][] = [
    ['Rule', `${alert.ruleName} (${alert.severity})`],
    ['Detected', readableTime(alert.detectedAt)],
    ...(alert.entities.userPrincipalName ? [['User', alert.entities.userPrincipalName] as [string, string]] : []),
    ...(alert.entities.host ? [['Host', alert.entities.host] as [string, string]] : []),
    ...(alert.entities.sourceIp ? [['IP', alert.entities.sourceIp] as [string, string]] : []),
    ['Disposition', view.disposition],
    ['Case', view.workflowId],
  ];
  const body: CardElement[] = [
    plain(run(`Security alert: ${alert.title}`, { size: 'Large', weight: 'Bolder', color: 'Attention' })),
    plain(bold('Why you are seeing this: '), view.reason),
    ...facts.map(([label, value]) => fact(label, value)),
  ];
  if (view.decided) body.push({ type: 'Container', style: 'emphasis', items: [decidedLine(view.decided)] });
  body.push({ type: 'Container', items: summaryBlocks(view.summary.slice(0, 6000)) });
  if (view.missedBy?.length) body.push(plain(bold('Recorded as a missed detection of: '), view.missedBy.join(', ')));
  if (view.closed) body.push(text('This case is closed.', { isSubtle: true }));
  const choices = socChoices(view);
  if (choices.length === 0) return card(body);
  body.push(missedByInput(view.ruleChoices));
  const data = bind({ kind: 'soc', workflowId: view.workflowId, choices: [...choices, MISSED_BY_VERB] });
  return card(body, [
    ...choices.map((decision) =>
      execute(
        socDecisionLabels[decision],
        decision,
        data(decision),
        decision === 'contain' ? 'destructive' : undefined,
      ),
    ),
    execute(MISSED_BY_TITLE, MISSED_BY_VERB, data(MISSED_BY_VERB)),
  ]);
}

/**
 * Plain text of a card, for logs, the CLI and tests: every text block, rich text block (its runs joined), fact and
 * button title in order.
 */
export function cardText(value: unknown): string {
  const lines: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const el = node as Record<string, unknown>;
    if (el.type === 'TextBlock' && typeof el.text === 'string') lines.push(el.text);
    if (el.type === 'RichTextBlock' && Array.isArray(el.inlines)) {
      lines.push(
        (el.inlines as unknown[])
          .map((i) => (typeof i === 'string' ? i : String((i as { text?: unknown })?.text ?? '')))
          .join(''),
      );
    }
    if (el.type === 'FactSet' && Array.isArray(el.facts)) {
      for (const f of el.facts as { title?: unknown; value?: unknown }[])
        lines.push(`${String(f.title)}: ${String(f.value)}`);
    }
    if (typeof el.type === 'string' && el.type.startsWith('Action.') && typeof el.title === 'string')
      lines.push(
        el.type === 'Action.OpenUrl' && typeof el.url === 'string' ? `[${el.title}] ${el.url}` : `[${el.title}]`,
      );
    walk(el.body);
    walk(el.items);
    walk(el.columns);
    walk(el.actions);
  };
  walk(value);
  return lines.join('\n');
}
