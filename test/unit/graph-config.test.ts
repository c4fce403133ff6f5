import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadGraphConfig } from '../../common/config';

const TENANT = '7f3c2a10-5b7e-4d8a-9c1e-0a1b2c3d4e5f';
const CLIENT = '5e1f9b2c-3d4a-4b6c-8d7e-9f0a1b2c3d4e';
const minimal = { GRAPH_TENANT_ID: TENANT, GRAPH_CLIENT_ID: CLIENT, GRAPH_CLIENT_SECRET: 'a-client-secret-value' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadGraphConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

test('no tenant and no Graph setting means demo mode', () => {
  expect(loadGraphConfig({})).toBeUndefined();
  expect(loadGraphConfig({ GRAPH_TENANT_ID: '  ', TEMPORAL_ADDRESS: 'localhost:7233' })).toBeUndefined();
});

test('a tenant with a secret talks to the public cloud by default', () => {
  expect(loadGraphConfig(minimal)).toEqual({
    tenantId: TENANT,
    clientId: CLIENT,
    credential: { kind: 'secret', secret: 'a-client-secret-value' },
    authorityHost: 'https://login.microsoftonline.com',
    graphBaseUrl: 'https://graph.microsoft.com',
    graphScope: 'https://graph.microsoft.com/.default',
    defenderBaseUrl: 'https://api.securitycenter.microsoft.com',
    defenderScope: 'https://api.securitycenter.microsoft.com/.default',
    blockedIpNamedLocationId: undefined,
    isolationType: 'Full',
    requestTimeoutMs: 20_000,
  });
  // A national cloud's Graph host is also its token audience; a regional Defender endpoint keeps the one scope.
  expect(
    loadGraphConfig({
      ...minimal,
      GRAPH_BASE_URL: 'https://graph.microsoft.us/',
      DEFENDER_BASE_URL: 'https://api-eu.securitycenter.microsoft.com',
    }),
  ).toMatchObject({
    graphBaseUrl: 'https://graph.microsoft.us',
    graphScope: 'https://graph.microsoft.us/.default',
    defenderBaseUrl: 'https://api-eu.securitycenter.microsoft.com',
    defenderScope: 'https://api.securitycenter.microsoft.com/.default',
  });
});

test('a partial or invalid configuration names the variable to fix', () => {
  expect(configError({ GRAPH_CLIENT_ID: CLIENT }).variable).toBe('GRAPH_TENANT_ID');
  expect(configError({ GRAPH_TENANT_ID: TENANT }).variable).toBe('GRAPH_CLIENT_ID');
  expect(configError({ GRAPH_TENANT_ID: TENANT, GRAPH_CLIENT_ID: CLIENT }).message).toBe(
    'Invalid configuration: GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE must be set: the app needs a credential',
  );
  expect(configError({ ...minimal, GRAPH_CLIENT_ID: 'my-app' }).variable).toBe('GRAPH_CLIENT_ID');
  expect(configError({ ...minimal, GRAPH_TENANT_ID: 'not a tenant' }).variable).toBe('GRAPH_TENANT_ID');
  expect(configError({ ...minimal, GRAPH_BASE_URL: 'http://127.0.0.1:8443' }).message).toBe(
    'Invalid configuration: GRAPH_BASE_URL must be an https:// URL (tokens are only sent over HTTPS)',
  );
  expect(configError({ ...minimal, GRAPH_AUTHORITY_HOST: 'login' }).variable).toBe('GRAPH_AUTHORITY_HOST');
  expect(configError({ ...minimal, GRAPH_BLOCKED_IP_LOCATION_ID: 'blocked-ips' }).variable).toBe(
    'GRAPH_BLOCKED_IP_LOCATION_ID',
  );
  expect(configError({ ...minimal, DEFENDER_ISOLATION_TYPE: 'full' }).variable).toBe('DEFENDER_ISOLATION_TYPE');
  expect(configError({ ...minimal, GRAPH_TIMEOUT_SECONDS: '0' }).variable).toBe('GRAPH_TIMEOUT_SECONDS');
  expect(loadGraphConfig({ ...minimal, GRAPH_TENANT_ID: 'contoso.onmicrosoft.com' })?.tenantId).toBe(
    'contoso.onmicrosoft.com',
  );
});

test('a certificate credential is a PEM file with the private key, and excludes a secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soc-graph-config-'));
  const certOnly = join(dir, 'cert.pem');
  writeFileSync(certOnly, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const withKey = join(dir, 'app.pem');
  writeFileSync(
    withKey,
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
  );
  const certificateEnv = { GRAPH_TENANT_ID: TENANT, GRAPH_CLIENT_ID: CLIENT };

  expect(loadGraphConfig({ ...certificateEnv, GRAPH_CLIENT_CERTIFICATE: withKey })?.credential).toMatchObject({
    kind: 'certificate',
    path: withKey,
  });
  expect(configError({ ...certificateEnv, GRAPH_CLIENT_CERTIFICATE: certOnly }).message).toBe(
    'Invalid configuration: GRAPH_CLIENT_CERTIFICATE must name a PEM file holding both the certificate and its private key',
  );
  expect(configError({ ...certificateEnv, GRAPH_CLIENT_CERTIFICATE: join(dir, 'missing.pem') }).variable).toBe(
    'GRAPH_CLIENT_CERTIFICATE',
  );
  expect(configError({ ...minimal, GRAPH_CLIENT_CERTIFICATE: withKey }).variable).toBe('GRAPH_CLIENT_CERTIFICATE');
});
