import {
  analystDecisionLabels,
  type AnalystDecisionKind,
  type EscalationNotice,
  type QuestionReminder,
  type UserAnswer,
  type UserQuestion,
} from '../../common/triage';
import type { Binder, BoundActionData } from './card-token';

/**
 * Every Adaptive Card the SOC bot shows, as pure functions of the case: the messenger posts them, the bot answers
 * clicks with them. Adaptive Cards 1.4 with `Action.Execute` (Universal Actions), which Teams sends back to the bot as
 * an `adaptiveCard/action` invoke.
 */

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  size?: 'Small' | 'Medium' | 'Large';
  weight?: 'Bolder';
  color?: 'Good' | 'Attention' | 'Warning' | 'Accent';
  isSubtle?: boolean;
  spacing?: 'Medium' | 'Large';
}
export interface FactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}
export interface Container {
  type: 'Container';
  items: CardElement[];
  style?: 'emphasis' | 'good' | 'attention';
}
export type CardElement = TextBlock | FactSet | Container;
export interface ExecuteAction {
  type: 'Action.Execute';
  title: string;
  verb: string;
  data: BoundActionData;
  style?: 'positive' | 'destructive';
}
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  version: '1.4';
  body: CardElement[];
  actions?: ExecuteAction[];
}

function card(body: CardElement[], actions?: ExecuteAction[]): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body,
    ...(actions?.length ? { actions } : {}),
  };
}

const text = (value: string, extra: Omit<TextBlock, 'type' | 'text' | 'wrap'> = {}): TextBlock => ({
  type: 'TextBlock',
  text: value,
  wrap: true,
  ...extra,
});
const heading = (value: string, color?: TextBlock['color']): TextBlock =>
  text(value, { size: 'Large', weight: 'Bolder', ...(color ? { color } : {}) });

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
  const userId = question.user.objectId ?? '';
  const answerAs = question.user.userPrincipalName ?? userId;
  const data = bind({ kind: 'question', workflowId: question.workflowId, userId, answerAs, choices: answerChoices });
  return card(
    [
      heading('Was this you?'),
      text(`The security team noticed this activity on your account (${answerAs}) and wants to make sure it was you.`),
      { type: 'FactSet', facts: question.facts.map((f) => ({ title: f.label, value: readableTime(f.value) })) },
      text(
        `Please answer by ${readableTime(question.deadline)}. If you do not recognise it, choose "No" — the security team will protect your account.`,
        { isSubtle: true },
      ),
    ],
    [
      {
        type: 'Action.Execute',
        title: answerLabels['it-was-me'],
        verb: ANSWER_VERB,
        data: data('it-was-me'),
        style: 'positive',
      },
      {
        type: 'Action.Execute',
        title: answerLabels['it-was-not-me'],
        verb: ANSWER_VERB,
        data: data('it-was-not-me'),
        style: 'destructive',
      },
    ],
  );
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
export function questionOutcomeCard(outcome: QuestionOutcome, answer?: UserAnswer): AdaptiveCard {
  const body: CardElement[] = [heading(outcomeHeadlines[outcome], outcome === 'answered' ? 'Good' : undefined)];
  if (outcome === 'answered' && answer) {
    body.push(text(`You answered: **${answerLabels[answer]}**.`));
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
 * buttons: clicking again would not make it sooner.
 */
export function recordedWhileDownCard(headline: string, detail: string): AdaptiveCard {
  return card([
    heading(headline),
    text(detail),
    text('It will take effect when the triage service is back; nothing more is needed from you.', { isSubtle: true }),
  ]);
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
}

/** Adaptive Card markdown has no headings or code spans: headings become bold blocks, backticks go. */
function summaryBlocks(markdown: string, title: string): TextBlock[] {
  return (
    markdown
      .split(/\n{2,}/)
      .map((p) => p.trim())
      // The card's own heading already names the alert.
      .filter((p) => p && p !== `### ${title}`)
      .slice(0, 25)
      .map((p) => {
        const clean = p.replace(/`/g, '').slice(0, 1000);
        return /^#{1,6}\s/.test(clean) ? text(clean.replace(/^#{1,6}\s+/, ''), { weight: 'Bolder' }) : text(clean);
      })
  );
}

function socChoices(view: SocCardView): SocDecision[] {
  if (view.closed) return [];
  const contained = view.containment.some((c) => c.status === 'applied') || view.decided?.decision === 'contain';
  return socDecisions.filter((d) => d !== 'release-containment' || contained);
}

/** The escalation: enrichment summary, the reason, who decided what and when, and the decisions still open. */
export function socCard(view: SocCardView, bind: Binder): AdaptiveCard {
  const { alert } = view;
  const facts = [
    { title: 'Rule', value: `${alert.ruleName} (${alert.severity})` },
    { title: 'Detected', value: readableTime(alert.detectedAt) },
    ...(alert.entities.userPrincipalName ? [{ title: 'User', value: alert.entities.userPrincipalName }] : []),
    ...(alert.entities.host ? [{ title: 'Host', value: alert.entities.host }] : []),
    ...(alert.entities.sourceIp ? [{ title: 'IP', value: alert.entities.sourceIp }] : []),
    { title: 'Disposition', value: view.disposition },
    { title: 'Case', value: view.workflowId },
  ];
  const body: CardElement[] = [
    heading(`Security alert: ${alert.title}`, 'Attention'),
    text(`**Why you are seeing this:** ${view.reason}`),
    { type: 'FactSet', facts },
  ];
  if (view.decided) {
    const { decision, by, at, result } = view.decided;
    body.push({
      type: 'Container',
      style: 'emphasis',
      items: [
        text(
          `**${analystDecisionLabels[decision]}** — decided by ${by} at ${readableTime(at)}${result ? ` (${result})` : ''}`,
        ),
      ],
    });
  }
  body.push({ type: 'Container', items: summaryBlocks(view.summary.slice(0, 6000), alert.title) });
  if (view.closed) body.push(text('This case is closed.', { isSubtle: true }));
  const choices = socChoices(view);
  if (choices.length === 0) return card(body);
  const data = bind({ kind: 'soc', workflowId: view.workflowId, choices });
  return card(
    body,
    choices.map((decision) => ({
      type: 'Action.Execute',
      title: socDecisionLabels[decision],
      verb: decision,
      data: data(decision),
      ...(decision === 'contain' ? { style: 'destructive' as const } : {}),
    })),
  );
}

/** Plain text of a card, for logs, the CLI and tests: every text, fact and button title in order. */
export function cardText(value: unknown): string {
  const lines: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const el = node as Record<string, unknown>;
    if (el.type === 'TextBlock' && typeof el.text === 'string') lines.push(el.text);
    if (el.type === 'FactSet' && Array.isArray(el.facts)) {
      for (const f of el.facts as { title?: unknown; value?: unknown }[])
        lines.push(`${String(f.title)}: ${String(f.value)}`);
    }
    if (typeof el.type === 'string' && el.type.startsWith('Action.') && typeof el.title === 'string')
      lines.push(`[${el.title}]`);
    walk(el.body);
    walk(el.items);
    walk(el.columns);
    walk(el.actions);
  };
  walk(value);
  return lines.join('\n');
}
