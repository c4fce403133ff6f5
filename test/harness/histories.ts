import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history under test/histories/ for the replay test
 * (`RECORD_HISTORIES=1 npx jest test/workflow/triage-workflow.test.ts test/integration/intake-defender.test.ts test/integration/intake-correlation.test.ts test/integration/write-back.test.ts`).
 */
export async function recordHistory(testName: string, handle: { fetchHistory(): Promise<unknown> }): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const file = join(
    __dirname,
    '..',
    'histories',
    `${testName
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase()
      .slice(0, 80)}.json`,
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, historyToJSON((await handle.fetchHistory()) as Parameters<typeof historyToJSON>[0]));
}
