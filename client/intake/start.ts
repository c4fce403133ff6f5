import type { Client } from '@temporalio/client';
import type { IntakeConfig } from '../../common/config/intake';
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

/** A ready-to-paste curl that sends a sample alert in the generic model (for `npm start`). */
export function sampleCurl(url: string, token: string | undefined): string {
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
  return [
    `curl -sS -X POST '${url}/v1/alerts/generic'`,
    `  -H 'Content-Type: application/json'`,
    ...(token ? [`  -H 'Authorization: Bearer ${token}'`] : []),
    `  -d '${JSON.stringify(alert)}'`,
  ].join(' \\\n');
}
