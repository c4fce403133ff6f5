import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING, newCodecKeyEntry } from '../../client/codec';
import { loadCodecKeys } from '../../common/config/codec';

const keysOf = (entries: string[]) => loadCodecKeys({ SOC_CODEC_KEYS: entries.join(',') }, { demoKeyFile: false });
const payload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value)!;
const valueOf = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const secret = { upn: 'pat.example@contoso.example', ip: '198.51.100.7' };

test('a payload round-trips and is unreadable on the way: AES-GCM, the key id in the metadata', async () => {
  const codec = new EncryptionCodec(keysOf([newCodecKeyEntry('k1')]));
  const [encoded] = await codec.encode([payload(secret)]);
  expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(encoded!.metadata!['encryption-key-id']!).toString()).toBe('k1');
  const bytes = Buffer.from(encoded!.data!);
  expect(bytes.includes(Buffer.from(secret.upn))).toBe(false);
  expect(bytes.includes(Buffer.from('json/plain'))).toBe(false);
  // A fresh IV each time: the same value never encrypts to the same bytes.
  const [again] = await codec.encode([payload(secret)]);
  expect(Buffer.from(again!.data!).equals(bytes)).toBe(false);
  expect(valueOf((await codec.decode([encoded!]))[0]!)).toEqual(secret);
});

test('a payload is refused under a wrong key, an unknown key id, or altered bytes', async () => {
  const [encoded] = await new EncryptionCodec(keysOf([newCodecKeyEntry('k1')])).encode([payload(secret)]);
  await expect(new EncryptionCodec(keysOf([newCodecKeyEntry('k1')])).decode([encoded!])).rejects.toThrow(
    'does not decrypt with key "k1"',
  );
  await expect(new EncryptionCodec(keysOf([newCodecKeyEntry('k2')])).decode([encoded!])).rejects.toThrow(
    'encrypted with key "k1", which is not configured',
  );
  const altered = Buffer.from(encoded!.data!);
  altered[20] = altered[20]! ^ 1;
  await expect(
    new EncryptionCodec(keysOf([newCodecKeyEntry('k1')])).decode([{ ...encoded!, data: altered }]),
  ).rejects.toThrow('does not decrypt');
});

test('a rotated key: the newest encrypts, the old one still decrypts what it wrote', async () => {
  const old = newCodecKeyEntry('2026-01');
  const [before] = await new EncryptionCodec(keysOf([old])).encode([payload(secret)]);
  const rotated = new EncryptionCodec(keysOf([newCodecKeyEntry('2026-12'), old]));
  const [after] = await rotated.encode([payload(secret)]);
  expect(Buffer.from(after!.metadata!['encryption-key-id']!).toString()).toBe('2026-12');
  expect((await rotated.decode([before!, after!])).map(valueOf)).toEqual([secret, secret]);
});

test('a payload written before encryption was on passes through (old histories stay readable)', async () => {
  const codec = new EncryptionCodec(keysOf([newCodecKeyEntry('k1')]));
  expect(valueOf((await codec.decode([payload(secret)]))[0]!)).toEqual(secret);
});

test('keys from a file, newest first, comments ignored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soc-codec-'));
  const file = join(dir, 'keys');
  writeFileSync(file, `# rotated 2026-12\n${newCodecKeyEntry('new')}\n${newCodecKeyEntry('old')} # until 2027-03\n`);
  expect(loadCodecKeys({ SOC_CODEC_KEY_FILE: file }, { demoKeyFile: false }).keys.map((k) => k.id)).toEqual([
    'new',
    'old',
  ]);
});

test('missing or invalid keys stop start-up with one line naming the variable', () => {
  const load = (env: Record<string, string>) => () => loadCodecKeys(env, { demoKeyFile: false });
  expect(load({})).toThrow(/^Invalid configuration: SOC_CODEC_KEYS \(or SOC_CODEC_KEY_FILE\) must be set/);
  expect(load({ SOC_CODEC_KEYS: 'k1=c2hvcnQ=' })).toThrow(
    /^Invalid configuration: SOC_CODEC_KEYS has key k1 of 5 bytes; AES-256 needs 32/,
  );
  expect(load({ SOC_CODEC_KEYS: 'no-key-here' })).toThrow(/^Invalid configuration: SOC_CODEC_KEYS must hold entries/);
  const twice = newCodecKeyEntry('k1');
  expect(load({ SOC_CODEC_KEYS: `${twice},${twice}` })).toThrow('SOC_CODEC_KEYS names a key id twice');
  expect(load({ SOC_CODEC_KEY_FILE: '/nonexistent/keys' })).toThrow(
    'SOC_CODEC_KEY_FILE names a file that cannot be read (ENOENT)',
  );
  expect(load({ SOC_CODEC_KEYS: twice, SOC_CODEC_KEY_FILE: '/x' })).toThrow('both set');
});
