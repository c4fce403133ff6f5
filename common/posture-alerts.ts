import type { Alert } from './alert';
import type { PostureFinding, PostureRoutine } from './posture';

/** The alert shapes posture findings travel in: the messenger's cards and the intake's cases speak `Alert`. */

/** What a finding's question or SOC card shows (no case is started from it). */
export function findingAlert(
  routine: PostureRoutine,
  finding: PostureFinding,
  workflowId: string,
  openedAt: string,
): Alert {
  return {
    source: 'posture',
    sourceInstance: routine.id,
    sourceAlertId: workflowId,
    ruleId: `posture-${routine.id}`,
    ruleName: routine.name,
    severity: routine.check === 'privileged-without-mfa' ? 'high' : 'medium',
    detectedAt: openedAt,
    ...findingText(finding),
  };
}

/**
 * The alert a risky user's case is started from, through the intake's dispatcher. One per risk event: the same
 * event again is a redelivery of the same case, a new risk update is a new alert (which correlation may join).
 */
export function riskyUserAlert(
  routine: Extract<PostureRoutine, { check: 'risky-users-without-case' }>,
  finding: PostureFinding,
  now: string,
): Alert {
  return {
    source: 'posture',
    sourceInstance: routine.id,
    sourceAlertId: `risky-user-${finding.subject.id}-${finding.observedAt ?? 'unrated'}`,
    ruleId: routine.parameters.ruleId,
    ruleName: routine.name,
    severity: routine.parameters.severity,
    detectedAt: finding.observedAt ?? now,
    ...findingText(finding),
  };
}

/** A finding as alert text: its summary, its facts one per line, its subject (bounded like every alert). */
function findingText(finding: PostureFinding): Pick<Alert, 'title' | 'description' | 'entities'> {
  return {
    title: finding.summary.slice(0, 500),
    description: finding.facts
      .map((f) => `${f.label}: ${f.value}`)
      .join('\n')
      .slice(0, 4000),
    entities: {
      userObjectId: finding.subject.id,
      ...(finding.subject.userPrincipalName ? { userPrincipalName: finding.subject.userPrincipalName } : {}),
    },
  };
}
