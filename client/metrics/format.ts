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
