import { formatDuration } from '../../common/duration';
import type { FindingCase, PostureAnswer, PostureFinding, PostureRoutine } from '../../common/posture';
import type { ContainmentRequest, QuestionWording, UserAnswer } from '../../common/triage';

/** Pure decisions of a finding's case: what is asked, what is done, who may answer. */

/** The question the person responsible is asked, as the facts shown on the card. */
export function questionFacts(routine: PostureRoutine, finding: PostureFinding): { label: string; value: string }[] {
  // The worded card says what is asked and what each answer does.
  if (questionWording(routine, finding)) return finding.facts;
  const ask =
    routine.check === 'stale-guests'
      ? `Is ${finding.subject.label} still needed? Answer "keep" to keep the guest for ${formatDuration(routine.parameters.snoozeForMs)}; "remove" or no answer disables it.`
      : routine.check === 'privileged-without-mfa'
        ? `Please register an MFA method within ${formatDuration(routine.parameters.registerWithinMs)}; otherwise the SOC is told.`
        : 'Please review this finding.';
  return [{ label: 'Posture check', value: ask }, ...finding.facts];
}

/** The card's answers on the wire (the triage question's) and what they mean to a finding. */
const postureAnswers: Record<UserAnswer, PostureAnswer> = { 'it-was-me': 'keep', 'it-was-not-me': 'remove' };
export const postureAnswerOf = (answer: UserAnswer): PostureAnswer => postureAnswers[answer];
export const cardAnswerOf = (answer: PostureAnswer): UserAnswer => (answer === 'keep' ? 'it-was-me' : 'it-was-not-me');

/**
 * The question in the finding's own words (the Teams card shows it as plain text: it names guests and roles); none
 * for checks that ask nobody. What each answer says is what `FindingCaseRun` does with it.
 */
export function questionWording(routine: PostureRoutine, finding: PostureFinding): QuestionWording | undefined {
  const guest = finding.subject.label;
  const asked = finding.askee?.label ?? 'you';
  switch (routine.check) {
    case 'stale-guests': {
      const { inactiveForMs, snoozeForMs, undoWindowMs } = routine.parameters;
      return {
        heading: 'Is this guest still needed?',
        intro: `You (${asked}) are the sponsor of the guest account ${guest}, which has not signed in for ${formatDuration(inactiveForMs)}. Does it still need access?`,
        answers: {
          'it-was-me': {
            label: `Keep ${guest}`,
            after: `${guest} keeps its access; you will be asked again in ${formatDuration(snoozeForMs)}.`,
          },
          'it-was-not-me': {
            label: `Remove ${guest}`,
            after: `${guest} will be disabled. If that was a mistake, ask the security team within ${formatDuration(undoWindowMs)} to undo it.`,
          },
        },
        footer: `Keep: the guest stays and you are asked again in ${formatDuration(snoozeForMs)}. Remove, or no answer by the deadline: the guest account is disabled.`,
      };
    }
    case 'privileged-without-mfa': {
      const roles = finding.facts.find((f) => f.label === 'Roles')?.value ?? 'privileged roles';
      const within = formatDuration(routine.parameters.registerWithinMs);
      // One answer only: the case re-checks the registration on any answer, so "I don't need this role" would do
      // nothing it says; whoever does not need the role tells the security team.
      return {
        heading: 'Register a multi-factor authentication method',
        intro: `Your account ${asked} holds privileged roles (${roles}) but has no multi-factor authentication method registered. Please register one within ${within} (My Sign-Ins, Security info).`,
        answers: {
          'it-was-me': {
            label: 'I have registered a method',
            after:
              'The registration is checked now: if a method is registered, nothing more is needed; if not, the security team is told.',
          },
        },
        footer: `After registering, choose the button to have it checked at once. Without it, the registration is checked at the deadline and the security team is told if there is still none. If you no longer need these roles, tell the security team.`,
      };
    }
    case 'risky-users-without-case':
    case 'containment-drift':
    case 'expired-ip-blocks':
      return undefined;
  }
}

/** How long the asked person has to answer (or to fix it). */
export function answerWindowMs(routine: PostureRoutine): number {
  switch (routine.check) {
    case 'stale-guests':
      return routine.parameters.answerWithinMs;
    case 'privileged-without-mfa':
      return routine.parameters.registerWithinMs;
    case 'risky-users-without-case':
    case 'containment-drift':
    case 'expired-ip-blocks':
      return 0;
  }
}

/** What the product does when it acts on the finding (nothing for report-only checks). */
export function actionsFor(
  routine: PostureRoutine,
  workflowId: string,
  finding: PostureFinding,
  at: string,
): ContainmentRequest[] {
  const user = {
    objectId: finding.subject.id,
    ...(finding.subject.userPrincipalName ? { userPrincipalName: finding.subject.userPrincipalName } : {}),
  };
  if (routine.check === 'stale-guests') return [{ workflowId, action: 'disable-account', user, requestedAt: at }];
  if (routine.check === 'privileged-without-mfa' && routine.parameters.revokeSessions)
    return [{ workflowId, action: 'revoke-sessions', user, requestedAt: at }];
  // Undone, not applied: the block this product added is removed (see FindingCaseRun.expireBlock).
  if (routine.check === 'expired-ip-blocks')
    return [{ workflowId, action: 'block-ip', ip: finding.subject.id, requestedAt: at }];
  return [];
}

/** What a dry run says it would do. */
export function wouldDo(routine: PostureRoutine, finding: PostureFinding): string {
  const asked = finding.askee?.label ?? 'the SOC';
  switch (routine.check) {
    case 'stale-guests':
      return routine.mode === 'report'
        ? 'would record the finding'
        : routine.mode === 'act'
          ? 'would disable the guest'
          : `would ask ${asked} whether the guest is still needed, and disable it on "remove" or silence`;
    case 'privileged-without-mfa':
      return routine.mode === 'act'
        ? `would tell the SOC${routine.parameters.revokeSessions ? ' and revoke the sessions' : ''}`
        : routine.mode === 'ask-then-act'
          ? `would ask ${asked} to register MFA and tell the SOC on silence`
          : 'would record the finding';
    case 'risky-users-without-case':
      return routine.mode === 'report' ? 'would record the finding' : 'would open a triage case';
    case 'containment-drift':
      return routine.mode === 'report'
        ? 'would record the drift on the case'
        : 'would tell the case to re-apply or escalate, per its rule';
    case 'expired-ip-blocks':
      return routine.mode === 'report'
        ? 'would record the finding'
        : `would remove ${finding.subject.label} from the blocked-IP named location`;
  }
}

/** The asked person (object id or UPN, case-insensitive) or a configured analyst. */
export function mayAnswer(state: FindingCase, askee: PostureFinding['askee'], analysts: string[], by: string): boolean {
  const who = by.toLowerCase();
  const people = [askee?.objectId, askee?.userPrincipalName, ...analysts].filter(Boolean).map((p) => p!.toLowerCase());
  return people.includes(who) && state.question !== undefined;
}

export function renderFinding(state: FindingCase): string {
  return [
    `**${state.summary}**`,
    `Routine \`${state.routineId}\` · state **${state.state}** · opened ${state.openedAt} · last seen ${state.lastSeenAt} (${state.seenInRuns.length} runs)`,
    state.question
      ? `Asked ${state.question.askedOf} until ${state.question.deadline}${state.question.answer ? `: answered ${state.question.answer} by ${state.question.answeredBy}` : ''}`
      : '',
    ...state.containment.map((c) => `- ${c.action} ${c.target}: ${c.status} (${c.detail})`),
    '',
    ...state.events.slice(-10).map((e) => `- ${e.at}: ${e.what}`),
  ]
    .filter((line, i) => line !== '' || i > 0)
    .join('\n');
}
