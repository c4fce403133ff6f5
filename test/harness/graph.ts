import { ApplicationFailure } from '@temporalio/common';
import { readFileSync } from 'node:fs';
import { createInMemoryPorts } from '../../activities/in-memory/ports';
import { demoSeed } from '../../activities/in-memory/seed';
import { World } from '../../activities/in-memory/world';
import { createGraphPorts, type GraphPorts, type GraphTuning } from '../../activities/graph';
import type { ContainmentContext, Ports } from '../../activities/ports';
import { loadGraphConfig } from '../../common/config/graph';
import {
  startGraphStandIn,
  standInGraphEnv,
  type GraphStandIn,
  type GraphStandInOptions,
  type LoggedRequest,
} from '../../standins/graph';

/** The Graph / Defender stand-in with the certificate global setup made (and that this process trusts). */
export function startStandIn(options: Omit<GraphStandInOptions, 'tls'> = {}): Promise<GraphStandIn> {
  const cert = process.env.SOC_STANDIN_TLS_CERT;
  const key = process.env.SOC_STANDIN_TLS_KEY;
  if (!cert || !key || !process.env.NODE_EXTRA_CA_CERTS)
    throw new Error('the stand-in certificate is not set up: run the tests through Jest (global setup)');
  return startGraphStandIn({ ...options, tls: { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') } });
}

/** The production Graph ports, configured the way a deployment is (environment variables), pointed at the stand-in. */
export function graphPortsFor(
  standIn: GraphStandIn,
  options: { env?: Record<string, string>; tuning?: Partial<GraphTuning> } = {},
): GraphPorts {
  const config = loadGraphConfig({ ...standInGraphEnv(standIn), ...options.env });
  if (!config) throw new Error('the stand-in environment did not configure Graph');
  return createGraphPorts(config, options.tuning);
}

/** Graph ports plus the in-memory messenger (Teams is another port). */
export function triagePorts(graph: GraphPorts, world = World.create(demoSeed())): Ports {
  return { ...graph, messenger: createInMemoryPorts(world).messenger };
}

/** A containment context as the activity gives one: heartbeats are recorded, `priorDetails` is what a retry sees. */
export function attemptContext(priorDetails?: unknown): ContainmentContext & { beats: unknown[] } {
  const beats: unknown[] = [];
  return {
    beats,
    heartbeat: (details) => beats.push(details),
    attempt: priorDetails === undefined ? 1 : 2,
    priorDetails,
    signal: new AbortController().signal,
  };
}

/** A request as the tests compare it: method, path and query (page tokens shown as `*`). */
export function shape(entry: LoggedRequest): string {
  const query = Object.fromEntries(
    Object.entries(entry.query).map(([k, v]) => [k, k.toLowerCase() === '$skiptoken' ? '*' : v]),
  );
  return `${entry.method} ${entry.path}${Object.keys(query).length ? ` ${JSON.stringify(query)}` : ''}`;
}

export async function until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The ApplicationFailure a port call rejects with (the activity error contract); fails the test if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected the call to fail');
}
