import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../servers';

/** Child processes of the cluster: each in its own process group, so stopping it stops everything it started. */

export async function stopProcessGroup(child: ChildProcess, name: string, graceMs = 15_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  if (child.exitCode !== null || child.signalCode !== null) return signal('SIGKILL'); // what it left in its group
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  signal('SIGTERM');
  const timer = setTimeout(() => {
    process.stderr.write(`${name} did not stop within ${graceMs / 1000} s of SIGTERM: killing it\n`);
    signal('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
  signal('SIGKILL'); // whatever it left behind in its group
}

export interface ProductProcess {
  name: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Runs one of the product's entry points (`workers/main.ts`, `client/intake/main.ts`) with tsx, its output in
 * `<logDir>/<name>.log`, and resolves once `ready` matches a line of its output.
 */
export async function startProductProcess(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  logDir: string;
  ready: RegExp;
  timeoutMs?: number;
}): Promise<ProductProcess> {
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), options.script], {
    cwd: projectRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stop = () => stopProcessGroup(child, options.name);
  let tail = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.name} was not ready within ${(options.timeoutMs ?? 120_000) / 1000} s`)),
      options.timeoutMs ?? 120_000,
    );
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-8000);
      if (options.ready.test(tail)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before it was ready:\n${tail.slice(-2000)}`));
    });
  });
  try {
    await ready;
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message} (log: ${logFile})`);
  }
  child.once('exit', () => log.end());
  return { name: options.name, pid: child.pid!, logFile, stop };
}
