import { StartupError, ensurePortFree } from '../client/process/startup-error';
import {
  describeProcess,
  isAlive,
  localProcess,
  localProcesses,
  type LocalProcess,
} from '../client/process/local-processes';

/**
 * Before `npm start` starts its dev server: an orphaned dev server on this project's SQLite file (its `npm start` was
 * SIGKILLed) is stopped, its data kept; one that something still runs is reported, with what runs it; any other
 * process on the frontend or Web UI port is named with its pid.
 */

const START_SCRIPT = /workers\/start\.ts$/;

function devServersOn(dbFilename: string): LocalProcess[] {
  return localProcesses().filter((p) => {
    const db = p.command.indexOf('--db-filename');
    return db > 0 && p.command[db + 1] === dbFilename && p.command.includes('start-dev');
  });
}

async function stop(server: LocalProcess, timeoutMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(server.pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  for (const deadline = Date.now() + timeoutMs; isAlive(server);) {
    if (Date.now() > deadline) signal('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function takeOverDevServerPorts(options: {
  port: number;
  uiPort: number;
  dbFilename: string;
  log: (line: string) => void;
}): Promise<void> {
  let stopped = false;
  for (const server of devServersOn(options.dbFilename)) {
    const owner = server.parentPid > 1 ? localProcess(server.parentPid) : undefined;
    if (owner?.command.some((arg) => START_SCRIPT.test(arg))) {
      throw new StartupError(
        `npm start is already running: ${describeProcess(owner)} runs the Temporal dev server on this project's data (${options.dbFilename}); stop it (Ctrl-C in its terminal, or kill ${owner.pid}) before starting another`,
      );
    }
    if (owner) {
      throw new StartupError(
        `A Temporal dev server already runs on this project's data (${options.dbFilename}): ${describeProcess(server)}, started by ${describeProcess(owner)}; stop it (kill ${server.pid}) before npm start`,
      );
    }
    options.log(
      `Stopping a Temporal dev server left behind by an earlier npm start: ${describeProcess(server)}; its data is kept…`,
    );
    await stop(server);
    stopped = true;
  }
  const fix = 'TEMPORAL_DEV_SERVER_PORT to another port (the Web UI listens on that port + 1000)';
  const listeners = [
    { what: 'the Temporal dev server', host: '127.0.0.1', port: options.port, fix },
    { what: 'the Temporal Web UI', host: '127.0.0.1', port: options.uiPort, fix },
  ];
  // The ports of a server just stopped are released a moment after it exits.
  const deadline = Date.now() + (stopped ? 15_000 : 0);
  for (const listener of listeners) {
    for (;;) {
      try {
        await ensurePortFree(listener);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}
