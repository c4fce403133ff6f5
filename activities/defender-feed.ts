import { Context, log } from '@temporalio/activity';
import { z } from 'zod';
import type { AlertDispatcher } from '../client/intake/dispatch';
import { problemsOf, summarize } from '../client/intake/errors';
import { defender } from '../client/intake/sources';

/**
 * Defender XDR alerts are pulled, not pushed: the Defender poll workflow calls `pollDefenderAlerts` periodically; it
 * reads one page from the feed and hands each alert to the same dispatcher the HTTP intake uses (one triage workflow
 * per alert, redeliveries answered as duplicates, resolved alerts closing their case).
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

export interface DefenderFeedDependencies {
  feed: DefenderAlertFeed;
  dispatcher: Pick<AlertDispatcher, 'dispatch'>;
  /** Domain for bare account names, as SOC_INTAKE_UPN_SUFFIX. */
  upnSuffix?: string;
}

export function createDefenderFeedActivities({ feed, dispatcher, upnSuffix }: DefenderFeedDependencies) {
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
          let item;
          try {
            item = defender.normalize(raw, { upnSuffix });
          } catch (err) {
            if (!(err instanceof z.ZodError)) throw err;
            result.rejected++;
            log.warn('Defender alert rejected', {
              id: (raw as { id?: unknown } | null)?.id,
              problems: summarize(problemsOf(err)),
            });
            return;
          }
          const { outcome, workflowId } = await dispatcher.dispatch(item);
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
