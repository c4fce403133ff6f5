import type { Disposition } from '../../common/triage';
import type { WriteBackRequest, WriteBackTransition } from '../../common/write-back';

/** Each source's words for the case's verdict and state (integration notes §7). Pure. */

export const closes = (transition: WriteBackTransition) => transition === 'closed';

/** Defender XDR `classification` and `determination` (the SDK's enum values, not the doc tables). */
export function defenderVerdict(request: Pick<WriteBackRequest, 'disposition' | 'namesUser'>): {
  classification: string;
  determination: string;
} {
  const byDisposition: Record<Disposition, { classification: string; determination: string }> = {
    'true-positive': {
      classification: 'truePositive',
      determination: request.namesUser ? 'compromisedAccount' : 'other',
    },
    'false-positive': { classification: 'falsePositive', determination: 'notMalicious' },
    'benign-positive': { classification: 'informationalExpectedActivity', determination: 'confirmedActivity' },
    undetermined: { classification: 'unknown', determination: 'unknown' },
  };
  return byDisposition[request.disposition];
}

/** Sentinel `classification` and `classificationReason` (none for Undetermined). */
export function sentinelVerdict(disposition: Disposition): { classification: string; classificationReason?: string } {
  const byDisposition: Record<Disposition, { classification: string; classificationReason?: string }> = {
    'true-positive': { classification: 'TruePositive', classificationReason: 'SuspiciousActivity' },
    'false-positive': { classification: 'FalsePositive', classificationReason: 'IncorrectAlertLogic' },
    'benign-positive': { classification: 'BenignPositive', classificationReason: 'SuspiciousButExpected' },
    undetermined: { classification: 'Undetermined' },
  };
  return byDisposition[disposition];
}

/** Splunk ES notable status ids: 2 In Progress while the case is open, 5 Closed when it closes. */
export const splunkStatus = (transition: WriteBackTransition) => (closes(transition) ? '5' : '2');

/** Kibana's `reason` when closing (Kibana ≥ 9.2). */
export function elasticCloseReason(disposition: Disposition): string {
  const byDisposition: Record<Disposition, string> = {
    'true-positive': 'true_positive',
    'false-positive': 'false_positive',
    'benign-positive': 'benign_positive',
    undetermined: 'other',
  };
  return byDisposition[disposition];
}
