import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../servers';
import type { Random } from './random';

/**
 * Triage workers in their own processes (`test/harness/worker-process.ts`: the production Graph ports against the
 * stand-in), each SIGKILLed after a random life and started again, until `calm()`; then they are left running.
 */
export interface WorkerFleet {
  kills: number;
  starts: number;
  /** Failed starts (for example while the Temporal server is down); each is retried. */
  failedStarts: number;
  /** Stop killing; keep (or bring) every worker up. */
  calm(): void;
  /** Resolves once every worker has said it is ready. */
  allReady(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerFleetOptions {
  count: number;
  env: Record<string, string>;
  killMinMs: number;
  killMaxMs: number;
  random: Random;
  log: (line: string) => void;
}

const workerScript = join(projectRoot, 'test', 'harness', 'worker-process.ts');

export function startWorkerFleet(options: WorkerFleetOptions): WorkerFleet {
  let chaos = true;
  let stopping = false;
  const children = new Set<ChildProcess>();
  const ready = new Array<boolean>(options.count).fill(false);
  const fleet: WorkerFleet = {
    kills: 0,
    starts: 0,
    failedStarts: 0,
    calm: () => void (chaos = false),
    async allReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!ready.every(Boolean)) {
        if (Date.now() > deadline) throw new Error('the worker processes did not become ready');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      stopping = true;
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      await Promise.allSettled(loops);
    },
  };

  async function supervise(slot: number): Promise<void> {
    while (!stopping) {
      // `--import tsx` keeps the worker in this one process, so SIGKILL reaches the worker itself.
      const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
        cwd: projectRoot,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      fleet.starts += 1;
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      let timer: NodeJS.Timeout | undefined;
      child.stdout!.on('data', (chunk: Buffer) => {
        if (!chunk.toString().includes('worker ready') || ready[slot]) return;
        ready[slot] = true;
        // A worker lives a random while after it is ready, then dies without a chance to finish anything.
        timer = setTimeout(
          () => {
            if (!chaos || stopping) return;
            fleet.kills += 1;
            child.kill('SIGKILL');
          },
          options.random.between(options.killMinMs, options.killMaxMs),
        );
      });
      await exited;
      clearTimeout(timer);
      children.delete(child);
      ready[slot] = false;
      if (child.signalCode !== 'SIGKILL' && !stopping) {
        fleet.failedStarts += 1;
        if (fleet.failedStarts <= 3)
          options.log(`worker ${slot} exited (${child.exitCode}): ${stderr.trim().split('\n').at(-1)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  const loops = Array.from({ length: options.count }, (_, slot) => supervise(slot));
  return fleet;
}
