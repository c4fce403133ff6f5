import { defineQuery, defineSignal } from '@temporalio/workflow';

/** The Defender XDR poll workflow's input and messages, shared by the workflow and the worker that starts it. */

export interface DefenderPollTotals {
  polls: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  lastPolledAt?: string;
  /** Why the last poll failed (a missing permission, an unexpected answer); cleared by the next good poll. */
  lastError?: string;
}

export interface DefenderPollInput {
  /** Pause between polls when the feed has nothing more. */
  intervalMs: number;
  cursor?: string;
  /** Polls per run before continuing as new (default 500). */
  pollsPerRun?: number;
  totals?: DefenderPollTotals;
}

export interface DefenderPollStatus extends DefenderPollTotals {
  cursor?: string;
  intervalMs: number;
}

export const defenderPollStatusQuery = defineQuery<DefenderPollStatus>('defenderPollStatus');
/** Polls at once instead of waiting for the interval (after an incident, or from the CLI). */
export const pollDefenderNowSignal = defineSignal('pollDefenderNow');
/** New settings from a (re)started worker: the running poller adopts them at once. */
export const defenderPollSettingsSignal = defineSignal<[{ intervalMs: number }]>('defenderPollSettings');
