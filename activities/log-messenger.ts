import { ApplicationFailure } from '@temporalio/common';
import type { Messenger } from './ports';

/**
 * The reduced mode a deployment opts into by name (SOC_REDUCED_MODE=log-messaging) when Teams is not configured:
 * nobody is asked — a question fails at once as undeliverable, so the case escalates — and escalations and card
 * updates are written to the worker's log. The start-up banner says so; without the setting the worker refuses to
 * start.
 */
export function createLogMessenger(log: (line: string) => void): Messenger {
  return {
    async askUser() {
      throw ApplicationFailure.nonRetryable(
        'users are not asked in reduced mode (SOC_REDUCED_MODE=log-messaging: Teams is not configured)',
        'QuestionUndeliverable',
      );
    },
    async remindUser() {},
    async updateQuestion() {},
    async escalate(notice) {
      log(`[escalation] ${notice.workflowId}: ${notice.alert.title} — ${notice.reason} (${notice.disposition})`);
    },
    async updateCaseCard(update) {
      log(`[case] ${update.workflowId}: ${update.disposition}${update.closed ? ', closed' : ''}`);
    },
  };
}
