import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { problemsOf } from '../../client/intake/errors';
import { intakeConfig, intakeSources, type IntakeSource, type SourceAuth } from '../../common/config/intake';
import { staticCatalog, type RuleCatalog } from '../../common/rules';
import { buildIntakeServer, type IntakeServer } from '../../client/intake/server';
import { ANALYST } from './alerts';

/** Shared by the intake tests: the SIEM fixtures, an intake on a task queue, and a log capture. */

export const projectRoot = resolve(__dirname, '..', '..');
export const fixturesDir = resolve(projectRoot, 'test', 'fixtures', 'siem');

export const fixtureText = (name: string): string => readFileSync(resolve(fixturesDir, name), 'utf8');
export const fixtureJson = <T = Record<string, unknown>>(name: string): T => JSON.parse(fixtureText(name)) as T;

export const fixtures = {
  splunk: 'splunk__webhook-saved-search.json',
  splunkSecondRow: 'splunk__webhook-saved-search-second-result.json',
  elastic: 'elastic__webhook-context-alerts-dotted.json',
  sentinel: 'sentinel__logicapp-incident-trigger.json',
  defender: 'defender__graph-alert-v2.json',
  ocsf: 'ocsf__detection-finding-create.json',
  ocsfBatch: 'ocsf__detection-findings-batch.ndjson',
} as const;

/** The rules of the fixtures that ask the user (so correlation applies to them). */
export const askingRules: RuleCatalog = staticCatalog({
  'Linux - Excessive SSH Failures Followed By Success': { mode: 'confirm-with-user' },
  'b961ae5a-c558-45f0-80f0-bb2665174302': { mode: 'confirm-with-user' },
  '71108e51-bc1f-48dc-95bd-4d0fb2e2c30c': { mode: 'confirm-with-user' },
  'ca2092a1-c273-4878-9b4b-0d60115bf5ea': { mode: 'confirm-with-user' },
  'impossible-travel': { mode: 'confirm-with-user' },
});

export const openAuth = Object.fromEntries(intakeSources.map((s) => [s, { method: 'none' }])) as Record<
  IntakeSource,
  SourceAuth
>;

export interface LogCapture {
  stream: Writable;
  lines(): Record<string, unknown>[];
  text(): string;
}

export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface TestIntakeOptions {
  client: Client;
  taskQueue: string;
  rules?: RuleCatalog;
  config?: Parameters<typeof intakeConfig>[0];
  logs?: LogCapture;
}

export interface TestIntake {
  app: IntakeServer;
  url: string;
  close(): Promise<void>;
}

/**
 * A real intake listening on a free local port. (Fastify's `inject` cannot be used under Jest: light-my-request
 * requires cookie@2, an ES module Jest's CommonJS loader refuses.)
 */
export async function startTestIntake({
  client,
  taskQueue,
  rules = askingRules,
  config,
  logs,
}: TestIntakeOptions): Promise<TestIntake> {
  const app = buildIntakeServer({
    client,
    taskQueue,
    rules,
    analysts: [ANALYST],
    config: intakeConfig({ upnSuffix: 'example.com', ...config, auth: { ...openAuth, ...config?.auth } }),
    logger: logs ? { level: 'info', stream: logs.stream } : false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface Delivery {
  body: string | Buffer | object;
  contentType?: string | null;
  headers?: Record<string, string>;
  query?: string;
}

export interface Answer {
  statusCode: number;
  headers: Headers;
  text: string;
  json(): ResultBody;
}

export async function request(intake: TestIntake, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${intake.url}${path}`, init);
  const text = await response.text();
  return { statusCode: response.status, headers: response.headers, text, json: () => JSON.parse(text) as ResultBody };
}

export function deliver(intake: TestIntake, source: string, delivery: Delivery): Promise<Answer> {
  const text =
    typeof delivery.body === 'string' || Buffer.isBuffer(delivery.body) ? delivery.body : JSON.stringify(delivery.body);
  const headers: Record<string, string> = { ...delivery.headers };
  if (delivery.contentType !== null) headers['content-type'] = delivery.contentType ?? 'application/json';
  // fetch labels a string body text/plain; bytes go without a Content-Type.
  const body = delivery.contentType === null ? Buffer.from(text) : text;
  return request(intake, `/v1/alerts/${source}${delivery.query ? `?${delivery.query}` : ''}`, {
    method: 'POST',
    body,
    headers,
  });
}

export interface ResultBody {
  status: string;
  error?: string;
  message?: string;
  problems?: { path: string; message: string }[];
  results: {
    index: number;
    outcome: string;
    workflowId?: string;
    sourceAlertId?: string;
    error?: string;
    problems?: { path: string; message: string }[];
  }[];
}

/** The problems a normalizer names for a body it refuses; fails the test if the body is accepted. */
export function problems(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (err) {
    if (err instanceof z.ZodError) return problemsOf(err);
    throw err;
  }
  throw new Error('the body was accepted');
}
