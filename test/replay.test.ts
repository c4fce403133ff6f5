import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quietRuntime, workflowBundle } from './harness/temporal';

/**
 * Replays a recorded history of every triage path, of the Defender poller and of a correlation gate, against today's
 * workflow code. A change that is not deterministic (reordered commands, a removed activity, a new timer without a
 * patch) fails here before it breaks running workflows. Refresh the recordings with
 * `RECORD_HISTORIES=1 npx jest test/triage-workflow.test.ts test/intake-defender.test.ts test/intake-correlation.test.ts`.
 */
const dir = join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('a recorded history exists for every triage path, the Defender poller and the correlation gate', () => {
  expect(files.length).toBeGreaterThanOrEqual(14);
  expect(files).toContain('defender-poller.json');
  expect(files).toContain('correlation-gate.json');
});

test.each(files)('replays %s deterministically', async (file) => {
  quietRuntime();
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  const results: { workflowId: string; error?: unknown }[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, [
    { workflowId: file, history },
  ])) {
    results.push(result);
  }
  expect(results).toHaveLength(1);
  expect(results[0]!.error).toBeUndefined();
});
