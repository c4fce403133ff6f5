import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quietRuntime, workflowBundle } from '../harness/temporal';

/**
 * Replays a recorded history of every triage path, of the Defender poller and of a correlation gate, against today's
 * workflow code. A change that is not deterministic (reordered commands, a removed activity, a new timer without a
 * patch) fails here before it breaks running workflows. `histories/` holds the current version's recordings (refresh
 * them with `npm run record:histories`). Older versions' recordings, which running deployments may still hold, are
 * never refreshed: `histories/v1/` has cases started before the crash-safe triage patch, `histories/v2/` before the
 * notices-in-task patch.
 */
const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));

test('a recorded history exists for every triage path, the Defender poller and the correlation gate', () => {
  expect(files.length).toBeGreaterThanOrEqual(47);
  expect(files.filter((f) => f.startsWith('v1/')).length).toBeGreaterThanOrEqual(13);
  expect(files.filter((f) => f.startsWith('v2/')).length).toBeGreaterThanOrEqual(17);
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

test('the workflow bundle carries no schema library: each case instance (and each replay after an eviction) runs its modules', () => {
  const code = readFileSync(workflowBundle().codePath, 'utf8');
  // webpack names each bundled module by its path; zod's are several hundred KiB and rebuilt per workflow instance.
  expect(code).toMatch(/"\.\/workflows\/triage\/case\.ts"/);
  expect(code).not.toMatch(/"\.\/node_modules\/zod\//);
  expect(code).not.toMatch(/"\.\/common\/(policy|alert|rules|posture-catalog)\.ts"/);
});

/** Replays `file` with its signal payloads changed by `edit`; resolves to the replay error, if any. */
async function replayEdited(file: string, edit: (signal: Record<string, unknown>) => void): Promise<unknown> {
  quietRuntime();
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    events: { workflowExecutionSignaledEventAttributes?: { input: { payloads: { data: string }[] } } }[];
  };
  for (const event of json.events) {
    for (const payload of event.workflowExecutionSignaledEventAttributes?.input.payloads ?? []) {
      const signal = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as Record<string, unknown>;
      edit(signal);
      payload.data = Buffer.from(JSON.stringify(signal)).toString('base64');
    }
  }
  const history = historyFromJSON(json);
  for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, [
    { workflowId: file, history },
  ])) {
    return result.error;
  }
  throw new Error('nothing was replayed');
}

test('a close signalled before closes carried a verdict is only recorded: such histories still replay', async () => {
  const asClose = (signal: Record<string, unknown>) => {
    if (signal.kind === 'redelivery') signal.kind = 'close';
  };
  await expect(replayEdited('redelivered-alert.json', asClose)).resolves.toBeUndefined();
  // With a verdict the close settles the case, which that history never did.
  const withVerdict = (signal: Record<string, unknown>) => {
    asClose(signal);
    if (signal.kind === 'close') Object.assign(signal, { disposition: 'false-positive', closedBy: 'ana' });
  };
  await expect(replayEdited('redelivered-alert.json', withVerdict)).resolves.toBeDefined();
});
