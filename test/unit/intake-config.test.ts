import { ConfigError } from '../../common/config/env';
import { loadIntakeConfig } from '../../common/config/intake';

const secret = 's3cr3t-0123456789abcdef';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadIntakeConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

test('defaults: 1 MiB body limit, 100 alerts per delivery, every source disabled until it has credentials', () => {
  const config = loadIntakeConfig({});
  expect(config).toMatchObject({
    host: '127.0.0.1',
    port: 8088,
    bodyLimitBytes: 1_048_576,
    maxAlertsPerDelivery: 100,
    retryAfterSeconds: 5,
  });
  expect(Object.values(config.auth).every((auth) => auth === undefined)).toBe(true);
});

test('each method is inferred from the variables that are set; Splunk tokens go in the URL', () => {
  const config = loadIntakeConfig({
    SOC_INTAKE_SPLUNK_TOKEN: secret,
    SOC_INTAKE_ELASTIC_HMAC_SECRET: secret,
    SOC_INTAKE_SENTINEL_BASIC_USER: 'logicapp',
    SOC_INTAKE_SENTINEL_BASIC_PASSWORD: secret,
    SOC_INTAKE_OCSF_AUTH: 'header',
    SOC_INTAKE_OCSF_TOKEN: secret,
    SOC_INTAKE_OCSF_TOKEN_HEADER: 'X-Api-Key',
    SOC_INTAKE_TOKEN: `${secret}-shared`,
    SOC_INTAKE_UPN_SUFFIX: 'Example.com',
  });
  expect(config.auth).toEqual({
    splunk: { method: 'url-token', token: secret },
    elastic: { method: 'hmac', secret },
    sentinel: { method: 'basic', username: 'logicapp', password: secret },
    ocsf: { method: 'header', token: secret, header: 'x-api-key' },
    generic: { method: 'bearer', token: `${secret}-shared` },
  });
  expect(config.upnSuffix).toBe('example.com');
  // The shared token alone: a header for everyone but Splunk, whose webhook can only put it in the URL.
  const shared = loadIntakeConfig({ SOC_INTAKE_TOKEN: secret }).auth;
  expect([shared.splunk, shared.elastic]).toEqual([
    { method: 'url-token', token: secret },
    { method: 'bearer', token: secret },
  ]);
});

test('invalid values stop start-up with an error naming the variable', () => {
  expect(configError({ SOC_INTAKE_PORT: 'eighty' }).variable).toBe('SOC_INTAKE_PORT');
  expect(configError({ SOC_INTAKE_ELASTIC_TOKEN: 'short' }).message).toBe(
    'Invalid configuration: SOC_INTAKE_ELASTIC_TOKEN must be at least 16 characters',
  );
  expect(configError({ SOC_INTAKE_ELASTIC_TOKEN: secret, SOC_INTAKE_ELASTIC_HMAC_SECRET: secret }).variable).toBe(
    'SOC_INTAKE_ELASTIC_AUTH',
  );
  expect(configError({ SOC_INTAKE_SENTINEL_AUTH: 'basic', SOC_INTAKE_SENTINEL_BASIC_USER: 'u' }).variable).toBe(
    'SOC_INTAKE_SENTINEL_BASIC_PASSWORD',
  );
  expect(configError({ SOC_INTAKE_GENERIC_AUTH: 'kerberos' }).message).toMatch(
    /SOC_INTAKE_GENERIC_AUTH must be one of bearer, header, hmac, basic, url-token, none/,
  );
  expect(configError({ SOC_INTAKE_BODY_LIMIT_BYTES: '12' }).variable).toBe('SOC_INTAKE_BODY_LIMIT_BYTES');
  expect(configError({ SOC_INTAKE_UPN_SUFFIX: '@example.com' }).variable).toBe('SOC_INTAKE_UPN_SUFFIX');
});

test('Defender XDR polling: every 60 s by default, 0 turns it off, faster than every 10 s is refused', () => {
  expect(loadIntakeConfig({}).defenderPollIntervalMs).toBe(60_000);
  expect(loadIntakeConfig({ SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS: '300' }).defenderPollIntervalMs).toBe(300_000);
  expect(loadIntakeConfig({ SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS: '0' }).defenderPollIntervalMs).toBeUndefined();
  const tooFast = configError({ SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS: '5' });
  expect(tooFast.message).toContain('SOC_INTAKE_DEFENDER_POLL_INTERVAL_SECONDS');
  expect(tooFast.message).toContain('0 (off) or between 10 and 86400');
});

test('a correlation timeout that would leave a case no time to start within the alert deadline is refused by name', () => {
  expect(loadIntakeConfig({}).correlationTimeoutMs).toBe(2_000);
  const err = configError({ SOC_INTAKE_CORRELATION_TIMEOUT_MS: '4000', SOC_INTAKE_TEMPORAL_TIMEOUT_MS: '5000' });
  expect(err.message).toMatch(/SOC_INTAKE_CORRELATION_TIMEOUT_MS.*at most half of SOC_INTAKE_TEMPORAL_TIMEOUT_MS/);
  expect(
    loadIntakeConfig({ SOC_INTAKE_CORRELATION_TIMEOUT_MS: '4000', SOC_INTAKE_TEMPORAL_TIMEOUT_MS: '8000' })
      .correlationTimeoutMs,
  ).toBe(4_000);
});
