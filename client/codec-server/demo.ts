import type { PayloadCodec } from '@temporalio/common';
import { openAuth } from './auth';
import { buildCodecServer } from './server';

/**
 * `npm start`'s codec server for the embedded Web UI. The UI calls it from the browser and passes no access token to
 * a plain-http endpoint, so it runs without authentication, which is safe only because it listens on 127.0.0.1 and
 * answers browsers from the UI's own origins alone. Production runs `npm run codec` with a token or Entra instead.
 */
export async function startDemoCodecServer(
  codec: PayloadCodec,
  options: { port: number; uiOrigins: string[] },
): Promise<{ url: string; close(): Promise<void> }> {
  const app = await buildCodecServer({ codec, auth: openAuth, corsOrigins: options.uiOrigins, logger: false });
  await app.listen({ host: '127.0.0.1', port: options.port });
  return { url: `http://127.0.0.1:${options.port}`, close: () => app.close() };
}
