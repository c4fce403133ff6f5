import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What this machine's processes are doing, from Linux's /proc (elsewhere every function finds nothing): who listens on
 * a port, who runs a given command, who is whose parent. Used to say which process to stop when a port is busy.
 */

export interface LocalProcess {
  pid: number;
  parentPid: number;
  /** Clock ticks after boot: with the pid, tells a process from a later one that reuses its pid. */
  startTime: number;
  /** R, S, D… or Z: exited, not yet reaped by its parent. */
  state: string;
  command: string[];
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function localProcess(pid: number): LocalProcess | undefined {
  const stat = read(`/proc/${pid}/stat`);
  const cmdline = read(`/proc/${pid}/cmdline`);
  if (!stat || cmdline === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    parentPid: Number(fields[1]),
    startTime: Number(fields[19]),
    state: fields[0] ?? '?',
    command: cmdline.split('\0').filter(Boolean),
  };
}

export function localProcesses(): LocalProcess[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.map((pid) => localProcess(Number(pid))).filter((p): p is LocalProcess => p !== undefined);
}

/** The process listening on TCP `port` (any interface, IPv4 or IPv6), if this user may see it. */
export function listenerOf(port: number): LocalProcess | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (read(table) ?? '').split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hexPort}`) && inode && inode !== '0') inodes.add(`socket:[${inode}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const candidate of localProcesses()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${candidate.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${candidate.pid}/fd/${fd}`))) return candidate;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return undefined;
}

/** `pid 123 (temporal server start-dev --port 7233 …)`: enough of the command to recognise it. */
export function describeProcess(p: LocalProcess): string {
  const [program = '?', ...args] = p.command;
  // node's own options (tsx's --require/--import) hide the script: shown from the script on.
  const script = /(^|\/)node$/.test(program)
    ? args.findIndex((arg, i) => !arg.startsWith('-') && !/^--(require|import)$/.test(args[i - 1] ?? ''))
    : 0;
  const command = ['node' === program.split('/').pop() ? 'node' : program, ...args.slice(Math.max(script, 0))]
    .map((arg) => arg.replace(/^.*\/node_modules\//, ''))
    .join(' ');
  return `pid ${p.pid} (${command.length > 90 ? `${command.slice(0, 89)}…` : command})`;
}

export function isAlive(p: Pick<LocalProcess, 'pid' | 'startTime'>): boolean {
  const now = localProcess(p.pid);
  return now !== undefined && now.state !== 'Z' && now.startTime === p.startTime;
}
