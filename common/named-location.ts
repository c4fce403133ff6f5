/**
 * Edits of the Conditional Access named location that blocks IPs at sign-in. Graph replaces its whole list on every
 * write and offers no If-Match, so every edit goes through one writer per location (a workflow: the Temporal way of a
 * lock that spans processes), which applies queued edits in one read-modify-write.
 */

export interface RangeEdit {
  op: 'add' | 'remove';
  /** The IP whose single-address range (/32, /128) is added or removed; wider ranges are never removed. */
  ip: string;
}

export type RangeEditResult = { changed: boolean } | { failed: string; permanent: boolean };

/** One writer per location and deployment (task queue): a writer on another deployment's queue is not served here. */
export function namedLocationWorkflowId(taskQueue: string, locationId: string): string {
  return `soc-named-location-${taskQueue}-${locationId}`;
}
