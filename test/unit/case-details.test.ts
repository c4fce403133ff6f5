import { renderCase } from '../../common/case-details';
import type { CaseState } from '../../common/triage';
import { localTime, relativeAge } from '../../client/metrics/format';
import { makeAlert } from '../harness/alerts';

const state: CaseState = {
  workflowId: 'triage:generic:tests:1',
  alert: makeAlert({ detectedAt: '2026-12-01T10:00:00.000Z' }),
  route: 'analyst',
  triageState: 'closed',
  disposition: 'benign-positive',
  escalations: [{ at: '2026-12-01T10:05:00.000Z', reason: 'no response' }],
  decisions: [],
  containment: [],
  relatedAlerts: [],
  relatedAlertCount: 0,
  receivedAt: '2026-12-01T10:00:01.000Z',
  closedAt: '2026-12-01T10:30:00.000Z',
  closeReason: 'benign',
};

test('the workflow renders the case in UTC, written to be read and naming the zone (the reader is unknown to it)', () => {
  const text = renderCase(state);
  expect(text).toContain('**Detected:** 2026-12-01 10:00:00 UTC · **Received:** 2026-12-01 10:00:01 UTC');
  expect(text).toContain('**Escalated** at 2026-12-01 10:05:00 UTC: no response');
  expect(text).toContain('**Closed** at 2026-12-01 10:30:00 UTC: benign');
});

test("the CLI renders every time of the case in the reader's zone, naming the zone", () => {
  // The CLI passes `localTime`; the marks show that every time of the case went through it.
  const text = renderCase(state, { time: (iso) => `<${localTime(iso)}>` });
  expect(text).not.toMatch(/\d{4}-\d\d-\d\dT/);
  expect(text).toContain(`**Detected:** <${localTime('2026-12-01T10:00:00.000Z')}>`);
  expect(text).toContain(`**Closed** at <${localTime('2026-12-01T10:30:00.000Z')}>: benign`);
  expect(localTime('2026-12-01T10:00:00.000Z')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:00 \S+$/);
});

test('relative ages a person reads', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');
  const ago = (ms: number) => relativeAge(new Date(now.getTime() - ms), now);
  expect([ago(1_000), ago(42_000), ago(3 * 60_000), ago(5 * 3_600_000), ago(3 * 86_400_000)]).toEqual([
    'just now',
    '42 s ago',
    '3 min ago',
    '5 h ago',
    '3 d ago',
  ]);
});
