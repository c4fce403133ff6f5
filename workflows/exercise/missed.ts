import * as wf from '@temporalio/workflow';
import type { MissedDetection } from '../../common/exercise';

/**
 * One missed detection: an incident found by other means that the named rules should have caught. The record is the
 * workflow itself (its id, search attributes set at start, and its result); it completes at once. Its id is the
 * record's: submitting the same record again starts nothing.
 */
export async function missedDetectionWorkflow(record: MissedDetection): Promise<MissedDetection> {
  wf.setCurrentDetails(
    [
      `### Missed detection`,
      `**Should have been caught by:** ${record.rules.map((r) => `\`${r}\``).join(', ')}`,
      `**Incident at:** ${record.at} · recorded by ${record.by} at ${record.recordedAt}`,
      record.caseWorkflowId && `**Found in case:** \`${record.caseWorkflowId}\``,
      record.note && `**Note:** ${record.note}`,
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  wf.log.warn('missed detection recorded', { rules: record.rules, id: record.id });
  return record;
}
