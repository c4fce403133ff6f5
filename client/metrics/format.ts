import type { Distribution } from './compute';

/** Compact, human durations for tables and charts: 45s, 4m12s, 2h05m, 1d3h. */
export function shortDuration(ms: number | null): string {
  if (ms === null) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

export function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

export function distributionText(d: Distribution): string {
  return `${shortDuration(d.medianMs)} / ${shortDuration(d.p90Ms)} / ${shortDuration(d.meanMs)}`;
}

const localParts = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

/**
 * A time as a person reads it: `2026-12-01 11:25:20 GMT+1`, in the reader's zone (the `TZ` variable, else the system's).
 * Data keeps UTC; this is for display only. Text that is not a time is returned as it is.
 */
export function localTime(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) return String(at);
  const part = Object.fromEntries(localParts.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second} ${part.timeZoneName}`;
}

/** How long ago, roughly: `just now`, `42 s ago`, `3 min ago`, `5 h ago`, `2 d ago`. */
export function relativeAge(at: Date, now: Date = new Date()): string {
  const s = Math.floor((now.getTime() - at.getTime()) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
