import { createHash } from 'node:crypto';
import type { WriteBackSourceSettings } from '../../common/config/write-back';
import type { WriteBackRequest } from '../../common/write-back';

/**
 * What a write-back says, and how it recognises its own earlier writes: a marker made from the workflow id and the
 * transition, appended to every comment and looked for before posting; for Sentinel, a comment id made from the same.
 */

const digest = (request: Pick<WriteBackRequest, 'workflowId' | 'transition'>) =>
  createHash('sha256').update(`${request.workflowId}\n${request.transition}`).digest('hex');

/** `[soc-triage:3f9a…]`: short, stable per case and transition, and unlike anything a person types. */
export function markerOf(request: Pick<WriteBackRequest, 'workflowId' | 'transition'>): string {
  return `[soc-triage:${digest(request).slice(0, 24)}]`;
}

/** A GUID-shaped id from the same key: Sentinel's client-chosen comment id, so a repeated PUT replaces, not adds. */
export function commentIdOf(request: Pick<WriteBackRequest, 'workflowId' | 'transition'>): string {
  const h = digest(request);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function caseUrlOf(template: string, workflowId: string): string {
  return template.replaceAll('{workflowId}', encodeURIComponent(workflowId));
}

/** The comment from the source's template, with the marker at its end. */
export function commentOf(
  request: WriteBackRequest,
  settings: Pick<WriteBackSourceSettings, 'commentTemplate'>,
  caseUrlTemplate: string,
): string {
  const values: Record<string, string> = {
    transition: request.transition,
    reason: request.reason,
    title: request.title,
    state: request.triageState,
    disposition: request.disposition,
    caseUrl: caseUrlOf(caseUrlTemplate, request.workflowId),
    workflowId: request.workflowId,
  };
  const text = settings.commentTemplate.replace(/\{([a-zA-Z]+)\}/g, (all, name: string) => values[name] ?? all);
  return `${text} ${markerOf(request)}`;
}
