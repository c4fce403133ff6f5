import { readdirSync, readFileSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort, startDevServer, waitForPort } from '../servers';

/**
 * The benchmark's own Temporal dev server on a SQLite file, which can be SIGKILLed and started again on the same file
 * and port. The SDK starts the server as a child of this process and does not expose its pid: it is found in /proc.
 */
export interface KillableDevServer {
  address: string;
  port: number;
  /** SIGKILLs the server, waits until its port is closed, and starts it again on the same file and port. */
  crashAndRestart(downtimeMs?: number): Promise<{ killedAt: number; restartedAt: number }>;
  stop(): Promise<void>;
}

const quiet = () => undefined;

/** Children of this process whose command line runs `start-dev` on `port`. */
function serverPids(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('start-dev') && args.includes(String(port))) pids.push(Number(entry));
    } catch {
      /* the process ended while we looked */
    }
  }
  return pids;
}

async function portClosed(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await waitForPort(port, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the dev server on port ${port} still listens after SIGKILL`);
}

export async function startKillableDevServer(dbFilename: string): Promise<KillableDevServer> {
  const port = await freePort();
  let env: TestWorkflowEnvironment = await startDevServer(
    { dbFilename, port, log: { format: 'pretty', level: 'error' } },
    quiet,
  );
  return {
    address: `127.0.0.1:${port}`,
    port,
    async crashAndRestart(downtimeMs = 0) {
      const pids = serverPids(port);
      if (pids.length === 0) throw new Error(`found no dev server process on port ${port} to kill`);
      const killedAt = Date.now();
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      await portClosed(port, 10_000);
      // The SDK's handle still holds the dead process and a connection to it.
      await env.teardown().catch(() => undefined);
      if (downtimeMs > 0) await new Promise((r) => setTimeout(r, downtimeMs));
      env = await startDevServer({ dbFilename, port, log: { format: 'pretty', level: 'error' } }, quiet);
      return { killedAt, restartedAt: Date.now() };
    },
    stop: () => env.teardown().catch(() => undefined),
  };
}
