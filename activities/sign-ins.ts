import { enrichmentLimits, type SignInEvent, type SignInSummary } from '../common/triage';

/** Distinct IPs with first/last seen and locations, plus the newest events, bounded so workflow history stays small. */
export function summariseSignIns(events: SignInEvent[], since: string): SignInSummary {
  const newestFirst = [...events].sort((a, b) => b.at.localeCompare(a.at));
  const byIp = new Map<string, SignInSummary['distinctIps'][number]>();
  for (const event of newestFirst) {
    const entry = byIp.get(event.ip);
    if (!entry) {
      byIp.set(event.ip, {
        ip: event.ip,
        firstSeen: event.at,
        lastSeen: event.at,
        count: 1,
        locations: event.location ? [event.location] : [],
      });
      continue;
    }
    entry.count += 1;
    entry.firstSeen = event.at;
    if (event.location && !entry.locations.includes(event.location) && entry.locations.length < 5) {
      entry.locations.push(event.location);
    }
  }
  return {
    since,
    total: events.length,
    failures: events.filter((e) => !e.succeeded).length,
    distinctIps: [...byIp.values()].sort((a, b) => b.count - a.count).slice(0, enrichmentLimits.distinctIps),
    recent: newestFirst.slice(0, enrichmentLimits.signIns),
  };
}
