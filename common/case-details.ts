import { containmentActionLabels } from './policy-terms';
import type { CaseState, Enrichment, Section } from './triage';
import { renderWriteBack } from './write-back';

/**
 * Markdown that tells the story of a case so far: the Web UI's current details and the analysts' escalation. Times are
 * the case's UTC times, written to be read (`2026-12-01 11:25:20 UTC`: the workflow cannot know its reader's zone),
 * unless the reader gives `time`: the CLI shows them in the reader's zone.
 */

export interface RenderOptions {
  /** How a person reads a recorded ISO time; default `utcTime` (the workflow's details). */
  time?: (iso: string) => string;
}

/** `2026-12-01T11:25:20.123Z` → `2026-12-01 11:25:20 UTC`; anything else as it is. */
export function utcTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}
const isoTime = utcTime;

function section<T>(s: Section<T> | undefined, render: (data: T) => string): string {
  if (!s) return '…';
  if (s.status === 'ok') return render(s.data);
  return `_${s.status === 'unavailable' ? 'unavailable' : 'not applicable'}: ${s.reason}_`;
}

export function renderEnrichment(e: Enrichment | undefined, { time = isoTime }: RenderOptions = {}): string[] {
  if (!e) return ['**Context:** being gathered'];
  return [
    `**User:** ${section(e.profile, (p) => `${p.displayName} (${p.userPrincipalName})${p.jobTitle ? `, ${p.jobTitle}` : ''}${p.department ? `, ${p.department}` : ''}${p.manager ? `; manager ${p.manager.displayName}` : ''}${p.accountEnabled === false ? '; **account disabled**' : ''}`)}`,
    `**Risk:** ${section(e.risk, (r) => `${r.riskLevel} (${r.riskState})`)}`,
    `**Sign-ins:** ${section(
      e.signIns,
      (s) =>
        `${s.total} since ${time(s.since)}, ${s.failures} failed; IPs: ${
          s.distinctIps
            .slice(0, 5)
            .map((ip) => `${ip.ip}${ip.locations[0] ? ` (${ip.locations[0]})` : ''} ×${ip.count}`)
            .join(', ') || 'none'
        }`,
    )}`,
    `**Groups:** ${section(
      e.groups,
      (g) =>
        `${g.total}${g.truncated ? '+' : ''}: ${
          g.groups
            .slice(0, 8)
            .map((x) => x.displayName)
            .join(', ') || 'none'
        }`,
    )}`,
    `**Devices:** ${section(e.devices, (d) => d.devices.map((x) => `${x.name}${x.compliant === false ? ' (non-compliant)' : ''}`).join(', ') || 'none')}`,
    `**Host:** ${section(e.host, (h) => `${h.name}${h.operatingSystem ? `, ${h.operatingSystem}` : ''}${h.riskScore ? `, risk ${h.riskScore}` : ''}${h.lastSeen ? `, last seen ${time(h.lastSeen)}` : ''}`)}`,
  ];
}

export function renderCase(state: CaseState, options: RenderOptions = {}): string {
  const { time = isoTime } = options;
  const { alert } = state;
  const lines = [
    `### ${alert.title}`,
    `**State:** ${state.triageState} · **Disposition:** ${state.disposition} · **Route:** ${state.route}`,
    `**Rule:** ${alert.ruleName} (\`${alert.ruleId}\`) · **Severity:** ${alert.severity} · **Source:** ${alert.source}`,
    `**Detected:** ${time(alert.detectedAt)} · **Received:** ${time(state.receivedAt)}`,
    `**Entities:** ${[alert.entities.userPrincipalName, alert.entities.host, alert.entities.sourceIp].filter(Boolean).join(' · ') || 'none'}`,
    ...renderEnrichment(state.enrichment, options),
  ];
  const q = state.question;
  if (q) {
    const answer = q.answer
      ? `answered "${q.answer.answer}" at ${time(q.answer.at)}`
      : (q.outcome ?? `waiting until ${time(q.deadline)}`);
    lines.push(`**Asked the user** at ${time(q.askedAt)}: ${answer}`);
    const proof = q.answer?.stepUp;
    if (proof)
      lines.push(
        `**Step-up verified** at ${time(proof.verifiedAt)} (${proof.method}; acrs ${proof.acrs.join(', ')}${proof.authTime ? `; signed in at ${time(proof.authTime)}` : ''})`,
      );
  }
  if (state.exercise)
    lines.push(
      `**Detection exercise:** \`${state.exercise.exerciseId}\` (window ${time(state.exercise.startedAt)} – ${time(state.exercise.endsAt)})`,
    );
  if (state.wouldHaveContained)
    lines.push(
      `**Shadow mode:** would have contained automatically (${state.wouldHaveContained.actions.join(', ')}); did not`,
    );
  for (const c of state.containment) lines.push(`- ${c.action} ${c.target}: **${c.status}** — ${c.detail}`);
  for (const d of (state.drift ?? []).slice(-5))
    lines.push(
      `**Containment drift** seen at ${time(d.observedAt)} (run \`${d.runId}\`): ${containmentActionLabels[d.action]} ${d.target} undone outside this product — **${d.status}**: ${d.outcome}`,
    );
  for (const e of state.escalations.slice(-3)) lines.push(`**Escalated** at ${time(e.at)}: ${e.reason}`);
  for (const d of state.decisions.slice(-3))
    lines.push(`**${d.decision}** by ${d.analystId} at ${time(d.at)}: ${d.result}`);
  if (state.relatedAlertCount > 0) lines.push(`**Related alerts:** ${state.relatedAlertCount}`);
  lines.push(...renderWriteBack(state.writeBack, alert.source));
  if (state.closeReason)
    lines.push(`**Closed** at ${state.closedAt ? time(state.closedAt) : state.closedAt}: ${state.closeReason}`);
  return lines.join('\n\n');
}
