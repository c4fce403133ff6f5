import { Context, log } from '@temporalio/activity';

/**
 * Defender XDR alerts are pulled, not pushed: the Defender poll workflow calls `pollDefenderAlerts` periodically; it
 * reads one page from the feed and hands each alert to the sink — in the product, the same normalizer and dispatcher
 * the HTTP intake uses (one triage workflow per alert, redeliveries answered as duplicates, resolved alerts closing
 * their case).
 *
 * A page is handed over completely before the cursor advances, and a retry after a failure re-reads the same page:
 * alerts already started come back as duplicates, so nothing is lost or started twice.
 */

export interface DefenderAlertPage {
  /** Alerts as Graph `GET /security/alerts_v2` returns them (`value[]`). */
  alerts: unknown[];
  /** Where the next call continues (opaque to the workflow; for Graph, e.g. the newest `lastUpdateDateTime` seen). */
  cursor: string;
  /** True when more alerts are waiting: the workflow polls again at once instead of sleeping. */
  more: boolean;
}

/** The narrow port to Defender XDR. The Graph implementation lives with the other Graph adapters. */
export interface DefenderAlertFeed {
  /** Alerts created or updated after `cursor` (all recent ones when `undefined`), oldest first. */
  listSince(cursor: string | undefined): Promise<DefenderAlertPage>;
}

export interface DefenderPollResult {
  cursor: string;
  more: boolean;
  /** Alerts newly handed to triage (started, related, updated or closed). */
  accepted: number;
  duplicates: number;
  /** Alerts that could not be read as an alert (logged with the reason, never retried). */
  rejected: number;
}

/** Where pulled alerts go: normalized and handed to triage, or refused with the problems that make it no alert. */
export interface DefenderAlertSink {
  accept(raw: unknown): Promise<{ outcome: string; workflowId: string } | { rejected: string }>;
}

export interface DefenderFeedDependencies {
  feed: DefenderAlertFeed;
  sink: DefenderAlertSink;
}

export function createDefenderFeedActivities({ feed, sink }: DefenderFeedDependencies) {
  return {
    async pollDefenderAlerts({ cursor }: { cursor?: string }): Promise<DefenderPollResult> {
      const page = await feed.listSince(cursor);
      const result: DefenderPollResult = {
        cursor: page.cursor,
        more: page.more,
        accepted: 0,
        duplicates: 0,
        rejected: 0,
      };
      await Promise.all(
        page.alerts.map(async (raw) => {
          const accepted = await sink.accept(raw);
          if ('rejected' in accepted) {
            result.rejected++;
            log.warn('Defender alert rejected', {
              id: (raw as { id?: unknown } | null)?.id,
              problems: accepted.rejected,
            });
            return;
          }
          const { outcome, workflowId } = accepted;
          if (outcome === 'duplicate') result.duplicates++;
          else result.accepted++;
          log.info(`Defender alert ${outcome}`, { alertId: workflowId });
          Context.current().heartbeat();
        }),
      );
      return result;
    },
  };
}

export type DefenderFeedActivities = ReturnType<typeof createDefenderFeedActivities>;
