import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEMO_CODEC_KEY_FILE } from '../../common/config/codec';
import type { Env } from '../../common/config/env';
import { newCodecKeyEntry } from './data-converter';

/**
 * `npm start` without configured keys: the demo's key, created once in .temporal/codec.key (owner-only, git-ignored)
 * and kept, so the cases in the SQLite file stay readable across restarts, by the CLI too.
 */
export function ensureDemoCodecKeyFile(env: Env = process.env): string | undefined {
  if (env.SOC_CODEC_KEYS?.trim() || env.SOC_CODEC_KEY_FILE?.trim()) return undefined;
  if (!existsSync(DEMO_CODEC_KEY_FILE)) {
    mkdirSync(dirname(DEMO_CODEC_KEY_FILE), { recursive: true });
    writeFileSync(
      DEMO_CODEC_KEY_FILE,
      `# soc-triage demo payload key, made by npm start. Never use it outside the demo.\n${newCodecKeyEntry('demo-1')}\n`,
      { mode: 0o600, flag: 'wx' },
    );
  }
  return DEMO_CODEC_KEY_FILE;
}
