import { spawn } from 'node:child_process';
import { createGraphPorts, type GraphPorts, type GraphTuning } from '../../activities/graph';
import { loadGraphConfig, type GraphConfig } from '../../common/config/graph';
import { ensureStandInTls, type StandInTls } from '../tls';
import { graphDemoSeed } from './seed';
import { startGraphStandIn, type GraphStandIn } from './server';
import { standInGraphEnv } from './index';

/**
 * Demo mode (`npm start` with no GRAPH_TENANT_ID): the production Graph ports, talking over HTTPS to a stand-in of
 * Graph, Defender for Endpoint and Entra ID seeded with the demo tenant. The process must trust the stand-in's
 * certificate from its start (NODE_EXTRA_CA_CERTS); `relaunchTrustingStandIn` restarts it that way once.
 */

export interface GraphDemo {
  standIn: GraphStandIn;
  config: GraphConfig;
  ports: GraphPorts;
  stop(): Promise<void>;
}

/** The stand-in's certificate (generated on first use under `tlsDir`). */
export function standInCertificate(tlsDir: string): Promise<StandInTls> {
  return ensureStandInTls(tlsDir);
}

/** True when this process was started trusting the certificate at `certPath`. */
export function trustsStandIn(certPath: string): boolean {
  return process.env.NODE_EXTRA_CA_CERTS === certPath;
}

/**
 * Runs this same script again in a child process that trusts the stand-in's certificate, forwards SIGINT/SIGTERM to it,
 * and exits with its exit code. Call it before starting anything else; works under `tsx` too (it keeps `execArgv`).
 */
export function relaunchTrustingStandIn(certPath: string): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/**
 * Starts the stand-in with the demo tenant and the Graph ports pointed at it, configured through the same
 * `loadGraphConfig` a real deployment uses. Throws if this process does not trust the certificate.
 */
export async function startGraphDemo(options: {
  tls: StandInTls;
  port?: number;
  tuning?: Partial<GraphTuning>;
  /** How long Defender takes to carry out an isolate/unisolate (default 3 s: visible in the Web UI). */
  machineActionDelayMs?: number;
}): Promise<GraphDemo> {
  if (!trustsStandIn(options.tls.certPath)) {
    throw new Error(
      `this process does not trust the stand-in certificate: start it with NODE_EXTRA_CA_CERTS=${options.tls.certPath} (or call relaunchTrustingStandIn first)`,
    );
  }
  const standIn = await startGraphStandIn({
    tls: options.tls,
    seed: graphDemoSeed(),
    port: options.port,
    machineActionDelayMs: options.machineActionDelayMs ?? 3_000,
  });
  const config = loadGraphConfig(standInGraphEnv(standIn))!;
  return {
    standIn,
    config,
    // The stand-in lists an alert as soon as it exists: no need to wait long for it to settle.
    ports: createGraphPorts(config, { pollIntervalMs: 1_000, defenderAlerts: { settleMs: 1_000 }, ...options.tuning }),
    stop: () => standIn.stop(),
  };
}
