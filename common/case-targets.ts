import type { Alert } from './alert';
import type { CaseState, ContainmentRecord, ContainmentRequest, UserRef } from './triage';

/** Whom and what a case's containment is aimed at, read from its alert: one definition for the workflow and the routines. */

/** The user the alert names, as the ports address them; undefined when it names none. */
export function userOf(alert: Alert): UserRef | undefined {
  const { userObjectId, userPrincipalName } = alert.entities;
  return userObjectId || userPrincipalName ? { objectId: userObjectId, userPrincipalName } : undefined;
}

/** The undo request for an action this case applied. */
export function undoRequestFor(record: ContainmentRecord, state: CaseState): ContainmentRequest {
  const base = { workflowId: state.workflowId, action: record.action };
  const { entities } = state.alert;
  if (record.action === 'disable-account' || record.action === 'revoke-sessions')
    return { ...base, user: userOf(state.alert) };
  if (record.action === 'isolate-host') return { ...base, host: entities.host };
  return { ...base, ip: entities.sourceIp };
}
