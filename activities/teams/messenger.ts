import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { TeamsConfig } from '../../common/config/teams';
import type { CaseCardUpdate, EscalationNotice, UserQuestion } from '../../common/triage';
import type { Messenger } from '../ports';
import { cardBinder } from './card-token';
import { questionCard, questionOutcomeCard, reminderCard, socCard, type SocCardView } from './cards';
import {
  cardActivity,
  ConnectorError,
  createConnectorClient,
  type ConnectorClient,
  type ConnectorOptions,
} from './connector';

/**
 * The Teams messenger: "was this you?" as a proactive 1:1 Adaptive Card through the Bot Connector, its replacement
 * when the question settles, and the escalation card in the SOC channel.
 *
 * Failures: a user Teams cannot reach (blocked or removed the bot: 403; unknown user: 404) and every other
 * permanent answer become non-retryable failures with a reason an analyst can read — the workflow escalates at once.
 * 408/429/5xx and network errors are retried by Temporal, after `Retry-After` when Teams sends one.
 */

const messageRefSchema = z.object({ conversationId: z.string().min(1), activityId: z.string().min(1) });
export type TeamsMessageRef = z.infer<typeof messageRefSchema>;

export function encodeMessageRef(ref: TeamsMessageRef): string {
  return JSON.stringify(ref);
}

export function decodeMessageRef(messageRef: string): TeamsMessageRef | undefined {
  try {
    const parsed = messageRefSchema.safeParse(JSON.parse(messageRef));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function toFailure(err: unknown, what: string, whose: string): unknown {
  if (!(err instanceof ConnectorError)) return err;
  if (err.retryable) {
    return ApplicationFailure.create({
      message: `Teams is unavailable while trying to ${what}: ${err.message}`,
      type: 'TeamsUnavailable',
      nextRetryDelay: err.retryAfterMs,
    });
  }
  if (err.status === 401 && err.operation !== 'token') {
    // The connector refused our token (expired in flight, or rotated): the source has dropped it; try again.
    return ApplicationFailure.create({
      message: `Teams refused the bot's token while trying to ${what}: ${err.message}`,
      type: 'TeamsUnauthorized',
    });
  }
  const code = err.code ? ` ${err.code}` : '';
  let reason: string;
  if (err.operation === 'token') {
    reason = `the Teams bot could not sign in (HTTP ${err.status}${code}); check TEAMS_APP_ID / TEAMS_APP_SECRET / TEAMS_TENANT_ID`;
  } else if (err.status === 403) {
    reason = `${whose} cannot receive messages from the SOC bot (they blocked or removed it, or policy forbids it): Teams answered 403${code}`;
  } else if (err.status === 404) {
    reason = `Teams does not know ${whose} (404${code})`;
  } else {
    reason = `Teams rejected the request to ${what} (HTTP ${err.status}${code}): ${err.message}`;
  }
  return ApplicationFailure.nonRetryable(reason, err.status === 403 ? 'TeamsForbidden' : 'TeamsRejected');
}

export interface TeamsMessengerOptions extends ConnectorOptions {
  /** Another connector (tests); by default one built from the configuration. */
  connector?: ConnectorClient;
  /**
   * Teams reaches people by Entra object id; many SIEMs name only the UPN. Given this (for example the identity
   * port's `userProfile(...).id`), such users are looked up; without it they cannot be asked.
   */
  lookupObjectId?: (userPrincipalName: string) => Promise<string>;
}

export function createTeamsMessenger(config: TeamsConfig, options: TeamsMessengerOptions = {}): Messenger {
  const connector = options.connector ?? createConnectorClient(config, options);
  const bind = cardBinder(config.cardHmacKey);

  return {
    async askUser(question: UserQuestion) {
      const who = question.user.userPrincipalName ?? question.user.objectId ?? 'the user';
      const upn = question.user.userPrincipalName;
      const objectId =
        question.user.objectId ?? (upn && options.lookupObjectId ? await options.lookupObjectId(upn) : undefined);
      if (!objectId) {
        throw ApplicationFailure.nonRetryable(
          `Teams reaches people by Entra object id, and the alert names only ${who}`,
          'QuestionUndeliverable',
        );
      }
      // The deadline counts from delivery, which is now.
      const deadline =
        question.timeoutMs !== undefined ? new Date(Date.now() + question.timeoutMs).toISOString() : question.deadline;
      const card = questionCard({ ...question, deadline, user: { ...question.user, objectId } }, bind);
      try {
        const conversationId = await connector.createPersonalConversation(objectId);
        const activityId = await connector.sendActivity(
          conversationId,
          cardActivity(card, question.wording?.heading ?? 'Was this you?'),
        );
        return { messageRef: encodeMessageRef({ conversationId, activityId }) };
      } catch (err) {
        throw toFailure(err, `ask ${who}`, who);
      }
    },

    async remindUser(reminder) {
      const ref = messageRefOf(reminder.messageRef);
      const who = reminder.user.userPrincipalName ?? reminder.user.objectId ?? 'the user';
      try {
        await connector.sendActivity(
          ref.conversationId,
          cardActivity(reminderCard(reminder), 'Reminder: was this you?'),
        );
      } catch (err) {
        throw toFailure(err, `remind ${who}`, who);
      }
    },

    async updateQuestion(update) {
      const ref = messageRefOf(update.messageRef);
      const who = update.user.userPrincipalName ?? update.user.objectId ?? 'the user';
      try {
        await connector.updateActivity(
          ref.conversationId,
          ref.activityId,
          cardActivity(
            questionOutcomeCard(
              update.outcome,
              update.answer,
              update.answer ? update.wording?.answers[update.answer] : undefined,
            ),
          ),
        );
      } catch (err) {
        throw toFailure(err, `update the question card of ${who}`, who);
      }
    },

    async escalate(notice: EscalationNotice) {
      try {
        const activityId = await connector.sendActivity(
          config.socConversationId,
          cardActivity(socCard(socView(notice), bind), `Security alert: ${notice.alert.title}`.slice(0, 200)),
        );
        return { messageRef: encodeMessageRef({ conversationId: config.socConversationId, activityId }) };
      } catch (err) {
        throw toFailure(err, 'post to the SOC channel', 'the SOC channel');
      }
    },

    async updateCaseCard(update: CaseCardUpdate) {
      const ref = messageRefOf(update.messageRef);
      const view: SocCardView = { ...socView(update), closed: update.closed, decided: update.decided };
      try {
        await connector.updateActivity(ref.conversationId, ref.activityId, cardActivity(socCard(view, bind)));
      } catch (err) {
        throw toFailure(err, 'update the case card in the SOC channel', 'the SOC channel');
      }
    },
  };
}

function socView(notice: EscalationNotice): SocCardView {
  const { workflowId, alert, reason, disposition, summary, containment } = notice;
  return { workflowId, alert, reason, disposition, summary, containment };
}

function messageRefOf(messageRef: string): TeamsMessageRef {
  const ref = decodeMessageRef(messageRef);
  if (!ref) throw ApplicationFailure.nonRetryable(`"${messageRef}" is not a Teams message reference`, 'BadMessageRef');
  return ref;
}
