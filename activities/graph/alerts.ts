import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { DefenderAlertFeed, DefenderAlertPage } from '../defender-feed';
import type { Call } from './errors';
import type { ApiClient } from './http';

/**
 * Defender XDR alerts from Graph `GET /security/alerts_v2`, read in time windows of `lastUpdateDateTime`.
 *
 * The cursor is the end of the last window read completely: each poll reads `[cursor, now - settle)` through every
 * page, so an alert is handed over once per change, never skipped and never re-read. Graph lists newest first and
 * has no `$orderby` here, so when a window holds more than one poll may carry, the window is halved until it fits
 * and the rest is left for the next poll (`more`). A created or updated alert can take a moment to become visible in
 * the list; `settleMs` keeps the window's end that far behind the clock.
 */

export const alertsPermission = 'SecurityAlert.Read.All';

export interface DefenderAlertFeedOptions {
  /** Where the very first poll starts, counted back from now (default one hour). */
  lookbackMs?: number;
  /** How far behind the clock a window ends (default 30 s). */
  settleMs?: number;
  /** `$top` of each request (default 500). */
  pageSize?: number;
  /** Most alerts one poll hands over (default 2,000; below the intake's queue, so a poll never overflows it). */
  maxAlertsPerPoll?: number;
  now?: () => number;
}

const alertTimes = z.object({ lastUpdateDateTime: z.string().optional() });

export class GraphDefenderAlertFeed implements DefenderAlertFeed {
  private readonly lookbackMs: number;
  private readonly settleMs: number;
  private readonly pageSize: number;
  private readonly maxAlerts: number;
  private readonly now: () => number;

  constructor(
    private readonly graph: ApiClient,
    options: DefenderAlertFeedOptions = {},
  ) {
    this.lookbackMs = options.lookbackMs ?? 60 * 60_000;
    this.settleMs = options.settleMs ?? 30_000;
    this.pageSize = options.pageSize ?? 500;
    this.maxAlerts = Math.max(options.maxAlertsPerPoll ?? 2_000, this.pageSize);
    this.now = options.now ?? Date.now;
  }

  async listSince(cursor: string | undefined): Promise<DefenderAlertPage> {
    const now = this.now();
    const since = cursor === undefined ? now - this.lookbackMs : parseCursor(cursor);
    const end = now - this.settleMs;
    let until = end;
    if (until <= since) return { alerts: [], cursor: iso(since), more: false };
    const call: Call = {
      service: 'Microsoft Graph',
      what: 'listing Defender XDR alerts',
      permission: alertsPermission,
    };
    for (;;) {
      const filter = `lastUpdateDateTime ge ${iso(since)} and lastUpdateDateTime lt ${iso(until)}`;
      const page = await this.graph.collect('/security/alerts_v2', z.unknown(), call, {
        limit: this.maxAlerts,
        maxPages: Math.ceil(this.maxAlerts / this.pageSize),
        build: (request) => request.filter(filter).top(this.pageSize),
      });
      if (!page.more) {
        return { alerts: oldestFirst(page.items), cursor: iso(until), more: until < end };
      }
      if (until - since <= 1) {
        throw ApplicationFailure.nonRetryable(
          `Microsoft Graph listed more than ${this.maxAlerts} Defender XDR alerts updated at ${iso(since)}; raise the poll's alert limit`,
          'DefenderFeedWindowTooFull',
        );
      }
      until = since + Math.floor((until - since) / 2);
    }
  }
}

function parseCursor(cursor: string): number {
  const at = Date.parse(cursor);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(cursor)) {
    throw ApplicationFailure.nonRetryable(
      `the Defender poll cursor "${cursor}" is not an ISO 8601 time`,
      'DefenderFeedBadCursor',
    );
  }
  return at;
}

const iso = (ms: number) => new Date(ms).toISOString();

function updatedAt(alert: unknown): number {
  const parsed = alertTimes.safeParse(alert);
  const at = parsed.success && parsed.data.lastUpdateDateTime ? Date.parse(parsed.data.lastUpdateDateTime) : NaN;
  return Number.isNaN(at) ? 0 : at;
}

function oldestFirst(alerts: unknown[]): unknown[] {
  return alerts
    .map((alert, index) => ({ alert, index, at: updatedAt(alert) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ alert }) => alert);
}
