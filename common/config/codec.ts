import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, type Env } from './env';

/**
 * Payload encryption keys (AES-256-GCM). Entries are `<key id>=<base64 of 32 bytes>`, newest first: the first one
 * encrypts, every one decrypts, so a key rotates by putting its successor in front and dropping it once no history
 * that needs it is kept. From SOC_CODEC_KEYS (comma-separated) or SOC_CODEC_KEY_FILE (one entry per line, `#`
 * comments). A process that talks to a configured cluster (TEMPORAL_ADDRESS) refuses to start without keys; one that
 * talks to the embedded dev server of `npm start` uses the demo key file that `npm start` writes.
 */

export interface CodecKey {
  id: string;
  key: Buffer;
}

export interface CodecKeys {
  /** Newest first; `keys[0]` encrypts. */
  keys: CodecKey[];
}

/** Where `npm start` keeps the demo's key (under .temporal/, which git ignores). */
export const DEMO_CODEC_KEY_FILE = resolve(__dirname, '..', '..', '.temporal', 'codec.key');

const FORMS = 'entries <key id>=<base64 of 32 random bytes>, newest first (openssl rand -base64 32)';

const keyEntry = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}=[A-Za-z0-9+/]+={0,2}$/, `must hold ${FORMS}`)
  .transform((entry, ctx) => {
    const [id, base64] = entry.split(/=(.*)/s) as [string, string];
    const key = Buffer.from(base64, 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: `has key ${id} of ${key.length} bytes; AES-256 needs 32 (${FORMS})` });
      return z.NEVER;
    }
    return { id, key };
  });

const keyList = z
  .array(keyEntry)
  .min(1, `must hold at least one key: ${FORMS}`)
  .refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, 'names a key id twice');

function parseKeys(variable: string, entries: string[]): CodecKeys {
  const result = keyList.safeParse(entries);
  if (!result.success) throw new ConfigError(variable, result.error.issues[0]?.message ?? 'is invalid');
  return { keys: result.data };
}

function readKeyFile(variable: string, path: string): CodecKeys {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(variable, `names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const entries = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
  return parseKeys(variable, entries);
}

/**
 * The keys configured for this process. `demoKeyFile`: it talks to the embedded dev server of `npm start` (no
 * TEMPORAL_ADDRESS), so the demo key file may stand in for configured keys.
 */
export function loadCodecKeys(env: Env = process.env, options: { demoKeyFile: boolean }): CodecKeys {
  const inline = env.SOC_CODEC_KEYS?.trim();
  const file = env.SOC_CODEC_KEY_FILE?.trim();
  if (inline && file) throw new ConfigError('SOC_CODEC_KEYS', 'and SOC_CODEC_KEY_FILE are both set: set one of them');
  if (inline)
    return parseKeys(
      'SOC_CODEC_KEYS',
      inline.split(',').map((entry) => entry.trim()),
    );
  if (file) return readKeyFile('SOC_CODEC_KEY_FILE', file);
  if (options.demoKeyFile) {
    try {
      return readKeyFile('SOC_CODEC_KEY_FILE', DEMO_CODEC_KEY_FILE);
    } catch {
      throw new ConfigError(
        'SOC_CODEC_KEYS',
        `(or SOC_CODEC_KEY_FILE) must be set, or \`npm start\` must have written ${DEMO_CODEC_KEY_FILE}: payloads are encrypted (${FORMS})`,
      );
    }
  }
  throw new ConfigError(
    'SOC_CODEC_KEYS',
    `(or SOC_CODEC_KEY_FILE) must be set: every payload is encrypted and TEMPORAL_ADDRESS names a cluster (${FORMS})`,
  );
}
