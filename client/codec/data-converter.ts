import { randomBytes } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import { loadCodecKeys, type CodecKeys } from '../../common/config/codec';
import type { Env } from '../../common/config/env';
import { EncryptionCodec } from './encryption-codec';

/** Give it to `bundleWorkflowCode` as well: the workflow code's failures are encoded the same way. */
export const failureConverterPath = require.resolve('../../common/failure-converter');

/**
 * The data converter of every Temporal client and worker of the product: payloads (inputs, results, signals, updates,
 * queries, memo, user metadata, heartbeats) through the encryption codec, and failure messages and stack traces
 * moved into an encoded attribute so they are encrypted too. Search attributes never pass through a codec.
 */
export function encryptedDataConverter(keys: CodecKeys): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keys)],
    failureConverterPath,
  };
}

/** The configured keys' data converter (see `loadCodecKeys`). */
export function productDataConverter(env: Env = process.env, options: { demoKeyFile: boolean }): DataConverter {
  return encryptedDataConverter(loadCodecKeys(env, options));
}

/** A fresh random key entry for SOC_CODEC_KEYS (tests, benchmarks, the demo key file). */
export function newCodecKeyEntry(id: string): string {
  return `${id}=${randomBytes(32).toString('base64')}`;
}

/**
 * Tests and benchmarks without configured keys: one random key for this process and the processes it starts (set in
 * SOC_CODEC_KEYS, which children inherit).
 */
export function ensureEphemeralCodecKeys(env: Env = process.env): void {
  if (!env.SOC_CODEC_KEYS?.trim() && !env.SOC_CODEC_KEY_FILE?.trim())
    env.SOC_CODEC_KEYS = newCodecKeyEntry(`ephemeral-${Date.now().toString(36)}`);
}
