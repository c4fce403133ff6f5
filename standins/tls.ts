import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface StandInTls {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/**
 * The certificate every local stand-in (Graph, Defender, token issuer, Bot Connector) serves over HTTPS, for
 * 127.0.0.1 and localhost. Generated on first use and when it nears expiry; never committed. Processes trust it through
 * NODE_EXTRA_CA_CERTS, which Node reads only at start: set it before starting a process that calls a stand-in.
 */
export async function ensureStandInTls(dir: string): Promise<StandInTls> {
  const certPath = join(dir, 'standin-cert.pem');
  const keyPath = join(dir, 'standin-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    const validTo = Date.parse(new X509Certificate(cert).validTo);
    if (validTo - Date.now() > 24 * 3_600_000) return { certPath, keyPath, cert, key: readFileSync(keyPath, 'utf8') };
  }
  mkdirSync(dir, { recursive: true });
  const notAfter = new Date(Date.now() + 30 * 24 * 3_600_000);
  const pems = await generate([{ name: 'commonName', value: 'soc-triage local stand-in' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  } as Parameters<typeof generate>[1]);
  writeFileSync(certPath, pems.cert);
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  return { certPath, keyPath, cert: pems.cert, key: pems.private };
}
