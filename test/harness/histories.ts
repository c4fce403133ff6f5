import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Payload } from '@temporalio/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EncryptionCodec, isEncrypted } from '../../client/codec';
import { loadCodecKeys } from '../../common/config/codec';

type History = Parameters<typeof historyToJSON>[0];

/**
 * The history with every encrypted payload decrypted in place (the run's key, SOC_CODEC_KEYS): what the Web UI shows
 * through the codec server, and what is recorded, so recorded histories replay whatever key a later run has.
 */
export async function decodeHistory<T>(history: T): Promise<T> {
  const codec = new EncryptionCodec(loadCodecKeys(process.env, { demoKeyFile: false }));
  const visit = async (node: unknown): Promise<unknown> => {
    if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return node;
    if (isPayloadLike(node) && isEncrypted(node)) return (await codec.decode([node]))[0];
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = await visit(record[key]);
    return node;
  };
  return (await visit(history)) as T;
}

function isPayloadLike(node: object): node is Payload {
  return 'metadata' in node && 'data' in node;
}

/**
 * With RECORD_HISTORIES=1 (`npm run record:histories`), saves a finished workflow's history under test/histories/
 * for the replay test.
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
  writeFileSync(file, historyToJSON(await decodeHistory((await handle.fetchHistory()) as History)));
}
