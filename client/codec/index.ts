export { EncryptionCodec, ENCRYPTED_ENCODING, METADATA_ENCRYPTION_KEY_ID, isEncrypted } from './encryption-codec';
export {
  encryptedDataConverter,
  productDataConverter,
  newCodecKeyEntry,
  ensureEphemeralCodecKeys,
  failureConverterPath,
} from './data-converter';
export { ensureDemoCodecKeyFile } from './demo-key';
