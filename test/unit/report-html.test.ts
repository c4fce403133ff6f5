import { computeMetrics, renderReportHtml, type CaseRecord } from '../../client/metrics';
import { localTime } from '../../client/metrics/format';

/** The HTML report as a person reads it: rules by the names people know them by, times in the reader's zone. */

const defenderRule = '3a1e5c2b-9f4d-4e8a-b7c6-0d1e2f3a4b5c';
const record = (ruleId: string, disposition: string): CaseRecord => ({
  workflowId: `${ruleId}-${disposition}`,
  ruleId,
  receivedAt: new Date('2026-12-01T10:00:00.000Z'),
  running: false,
  triageState: 'closed',
  disposition,
  triagedAt: new Date('2026-12-01T10:05:00.000Z'),
  closedAt: new Date('2026-12-01T10:05:00.000Z'),
  wouldContain: false,
});

test('a Defender rule is shown by its display name with its id; times in the reader zone, not raw ISO', () => {
  const records = [record(defenderRule, 'true-positive'), record('impossible-travel', 'false-positive')];
  const now = new Date('2026-12-01T12:00:00.000Z');
  const report = computeMetrics(records, { now });
  const html = renderReportHtml(report, records, new Map([[defenderRule, 'Suspicious PowerShell command line']]));
  expect(html).toContain(`<td>Suspicious PowerShell command line (${defenderRule})</td>`);
  expect(html).toContain('<td>impossible-travel</td>');
  expect(html).toContain(`Generated ${localTime(now)}`);
  expect(html).not.toContain(now.toISOString());
});
