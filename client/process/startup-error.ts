import { createServer } from 'node:net';
import { describeProcess, listenerOf } from './local-processes';

/**
 * A start-up failure the operator can fix, said in one line: what failed, the port or variable, and the fix. Entry
 * points print its message alone (no stack).
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface Listener {
  /** What could not start, e.g. "the SIEM intake". */
  what: string;
  host: string;
  port: number;
  /** The variable that moves it, and what to set it to: `SOC_INTAKE_PORT to a free port`. */
  fix: string;
}

/** The one line for a port that is taken, naming the process that holds it when this machine shows it. */
export function portInUse(listener: Listener): StartupError {
  const holder = listenerOf(listener.port);
  const by = holder ? ` by ${describeProcess(holder)}` : '';
  const stop = holder ? `stop it (kill ${holder.pid})` : 'stop the process that holds it';
  return new StartupError(
    `Cannot start ${listener.what}: port ${listener.port} on ${listener.host} is in use (EADDRINUSE)${by}; ${stop}, or set ${listener.fix}`,
  );
}

/** A listen error as one line: a busy port names its holder, anything else the address and the variable. */
export function listenFailure(err: unknown, listener: Listener): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || /address already in use|AddrInUse/i.test(String(err))) return portInUse(listener);
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES' || /cannot assign requested address/i.test(String(err))) {
    return new StartupError(
      `Cannot start ${listener.what} on ${listener.host}:${listener.port} (${code ?? String(err).split('\n')[0]}); set ${listener.fix}`,
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Throws `portInUse` when something already listens on `host:port`; port 0 (any free port) always passes. */
export async function ensurePortFree(listener: Listener): Promise<void> {
  if (listener.port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(listenFailure(err, listener)));
    probe.listen({ host: listener.host, port: listener.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
