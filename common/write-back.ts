import type { AlertOrigin, AlertSource, Severity } from './alert';
import type { Disposition, TriageState } from './triage';

/**
 * Writing the case back to the alert where it came from (SIEM write-back, README): which moments of the case are
 * written, what an activity is asked to write, and what the case records of it. Pure: safe in workflow code.
 */

export const writeBackTransitions = ['triaged', 'contained', 'escalated', 'closed'] as const;
export type WriteBackTransition = (typeof writeBackTransitions)[number];

export interface WriteBackRequest {
  /** With `transition`, the idempotency key: a retried or crashed write-back never comments twice. */
  workflowId: string;
  transition: WriteBackTransition;
  source: AlertSource;
  origin: AlertOrigin;
  title: string;
  severity: Severity;
  disposition: Disposition;
  triageState: TriageState;
  /** The case's own words for this moment: the escalation or close reason, the containment outcome. */
  reason: string;
  /** Whether the alert names a user (a true positive then reads as a compromised account). */
  namesUser: boolean;
}

export type WriteBackResult =
  /** `detail` says what was written (fields, comment). */
  | { status: 'written'; detail: string }
  /** The source's configuration does not write this transition. */
  | { status: 'skipped'; detail: string }
  /** No write-back is configured for the source: the case records it once and writes nothing more. */
  | { status: 'not-configured'; detail: string };

export interface WriteBackRecord {
  transition: WriteBackTransition;
  /** `failed`: a permanent failure (missing permission, incident deleted) or every attempt lost; the case went on. */
  status: WriteBackResult['status'] | 'failed' | 'not-echoed';
  detail: string;
  at: string;
}

/** One line per transition for the case details, e.g. "closed: **written** — status Closed, …". */
export function renderWriteBack(records: WriteBackRecord[] | undefined, source: string): string[] {
  if (!records?.length) return [];
  return [
    `**Written back to ${source}:** ${records.map((r) => `${r.transition} **${r.status}** — ${r.detail}`).join('; ')}`,
  ];
}
