/**
 * The codec server on its own: `npm run codec`. Configuration: SOC_CODEC_KEYS or SOC_CODEC_KEY_FILE (the keys),
 * SOC_CODEC_HOST/PORT, SOC_CODEC_CORS_ORIGINS (the Web UI's origin), and SOC_CODEC_TOKEN and/or
 * SOC_CODEC_ENTRA_TENANT_ID + SOC_CODEC_ENTRA_AUDIENCE (common/config/codec-server.ts). Put TLS in front of it.
 */
import { ConfigError, loadCodecKeys, loadCodecServerConfig } from '../../common/config';
import { EncryptionCodec } from '../codec';
import { codecAuth } from './auth';
import { buildCodecServer } from './server';

async function main(): Promise<void> {
  const keys = loadCodecKeys(process.env, { demoKeyFile: false });
  const config = loadCodecServerConfig();
  const app = await buildCodecServer({
    codec: new EncryptionCodec(keys),
    auth: codecAuth(config),
    corsOrigins: config.corsOrigins,
  });
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    `codec server on http://${config.host}:${config.port} for ${config.corsOrigins.join(', ')} (${[config.token && 'bearer token', config.entra && 'Entra access tokens'].filter(Boolean).join(', ')})`,
  );
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
