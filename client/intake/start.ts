import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { intakeSources, type IntakeConfig } from '../../common/config/intake';
import type { RuleCatalog } from '../../common/rules';
import { buildIntakeServer, type IntakeServer, type IntakeServerOptions } from './server';

export interface RunningIntake {
  app: IntakeServer;
  /** e.g. http://127.0.0.1:8088 */
  url: string;
  /** Stops accepting, finishes the requests in flight. */
  close(): Promise<void>;
}

export interface StartIntakeOptions {
  client: Client;
  taskQueue: string;
  rules: Pick<RuleCatalog, 'policyFor'>;
  analysts: string[];
  config: IntakeConfig;
  logger?: IntakeServerOptions['logger'];
}

/** Builds the intake and listens on `config.host:config.port` (port 0: any free port). */
export async function startIntake(options: StartIntakeOptions): Promise<RunningIntake> {
  const app = buildIntakeServer(options);
  await app.listen({ host: options.config.host, port: options.config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.port;
  const host = options.config.host === '0.0.0.0' || options.config.host === '::' ? '127.0.0.1' : options.config.host;
  return { app, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close: () => app.close() };
}

/**
 * For the demo (`npm start` without intake credentials): every push source accepts one generated bearer token (Splunk
 * in the URL), so the printed curl works at once. Configured credentials are left alone.
 */
export function withDemoToken(config: IntakeConfig, demo: boolean): { config: IntakeConfig; demoToken?: string } {
  if (!demo || Object.values(config.auth).some(Boolean)) return { config };
  const demoToken = randomBytes(18).toString('base64url');
  const auth = Object.fromEntries(
    intakeSources.map((source) => [
      source,
      source === 'splunk' ? { method: 'url-token', token: demoToken } : { method: 'bearer', token: demoToken },
    ]),
  ) as IntakeConfig['auth'];
  return { config: { ...config, auth }, demoToken };
}

/**
 * A ready-to-paste curl that sends a sample alert in the generic model. A configured secret is never printed: the
 * command reads it from the environment variable instead.
 */
export function sampleCurl(url: string, config: IntakeConfig, demoToken?: string): string {
  const alert = {
    sourceInstance: 'demo',
    sourceAlertId: `demo-${Date.now()}`,
    ruleId: 'impossible-travel',
    ruleName: 'Impossible travel',
    severity: 'high',
    detectedAt: new Date().toISOString(),
    title: 'Sign-in from two countries within an hour',
    entities: { userPrincipalName: 'jdoe@contoso.example', sourceIp: '203.0.113.50' },
  };
  const auth = config.auth.generic;
  const secretVariable = process.env.SOC_INTAKE_GENERIC_TOKEN ? '$SOC_INTAKE_GENERIC_TOKEN' : '$SOC_INTAKE_TOKEN';
  const token = demoToken ?? secretVariable;
  const headers =
    auth?.method === 'bearer'
      ? [`  -H "Authorization: Bearer ${token}"`]
      : auth?.method === 'header'
        ? [`  -H "${auth.header}: $SOC_INTAKE_GENERIC_TOKEN"`]
        : auth?.method === 'basic'
          ? ['  -u "$SOC_INTAKE_GENERIC_BASIC_USER:$SOC_INTAKE_GENERIC_BASIC_PASSWORD"']
          : [];
  const query = auth?.method === 'url-token' ? `?token=${demoToken ?? '$SOC_INTAKE_GENERIC_TOKEN'}` : '';
  return [
    `curl -sS -X POST "${url}/v1/alerts/generic${query}"`,
    `  -H 'Content-Type: application/json'`,
    ...headers,
    `  -d '${JSON.stringify(alert)}'`,
  ].join(' \\\n');
}
