import { StartupError, ensurePortFree } from '../client/process/startup-error';
import {
  describeProcess,
  isAlive,
  localProcess,
  localProcesses,
  type LocalProcess,
} from '../client/process/local-processes';

/**
 * Before `npm start` starts its dev server: a dev server on this project's SQLite file whose `npm start` is gone (it
 * was SIGKILLed) is stopped, its data kept; one whose `npm start` still runs is reported; any other process on the
 * frontend or Web UI port is named with its pid.
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
  for (const server of devServersOn(options.dbFilename)) {
    const owner = localProcess(server.parentPid);
    if (owner && owner.pid > 1 && owner.command.some((arg) => START_SCRIPT.test(arg))) {
      throw new StartupError(
        `npm start is already running: ${describeProcess(owner)} runs the Temporal dev server on this project's data (${options.dbFilename}); stop it (Ctrl-C in its terminal, or kill ${owner.pid}) before starting another`,
      );
    }
    options.log(
      `Stopping a Temporal dev server left behind by an earlier npm start: ${describeProcess(server)}; its data is kept…`,
    );
    await stop(server);
  }
  const fix = 'TEMPORAL_DEV_SERVER_PORT to another port (the Web UI listens on that port + 1000)';
  await ensurePortFree({ what: 'the Temporal dev server', host: '127.0.0.1', port: options.port, fix });
  await ensurePortFree({ what: 'the Temporal Web UI', host: '127.0.0.1', port: options.uiPort, fix });
}
