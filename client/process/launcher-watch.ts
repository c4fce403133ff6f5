import { isAlive, localProcess, type LocalProcess } from './local-processes';

/**
 * The processes that launched this one: npm, its shell, tsx, a relaunching parent. `kill <npm pid>` signals npm alone
 * (npm passes SIGTERM to its shell, not further) and a SIGKILL reaches nobody else, so each long-running entry point
 * watches its launchers and stops itself, as on SIGTERM, when one of them is gone.
 *
 * Watched: the ancestors up to and including npm/npx when one is within a few levels; else the parent and the node
 * processes and `sh -c` shells directly above it. Never an interactive shell or anything above npm.
 */
const MAX_DEPTH = 6;
// npm sets its process title, so its command line may be one string: "npm start".
const isNpm = (p: LocalProcess) => p.command.some((arg) => /(^|\/)(npm|npx)(-cli\.js)?(\s|$)/.test(arg));
/** A step of a launch: node (tsx, a relaunching parent) or a shell running one command (`sh -c`, as npm does). */
const isHop = (p: LocalProcess) =>
  /(^|\/)node$/.test(p.command[0] ?? '') || (/(^|\/)(sh|dash|bash)$/.test(p.command[0] ?? '') && p.command[1] === '-c');

export function launchers(pid = process.pid): LocalProcess[] {
  const ancestors: LocalProcess[] = [];
  for (let parent = localProcess(pid)?.parentPid; parent && parent > 1 && ancestors.length < MAX_DEPTH;) {
    const ancestor = localProcess(parent);
    if (!ancestor) break;
    ancestors.push(ancestor);
    if (isNpm(ancestor)) return ancestors;
    parent = ancestor.parentPid;
  }
  const end = ancestors.slice(1).findIndex((p) => !isHop(p));
  return ancestors.slice(0, end === -1 ? ancestors.length : end + 1);
}

/**
 * Calls `onGone` once, with a description of the launcher, when one of this process's launchers has exited. Without
 * /proc it watches the parent id alone. The timer does not keep the process alive.
 */
export function watchLaunchers(onGone: (launcher: string) => void, intervalMs = 500): () => void {
  const watched = launchers();
  const parentPid = process.ppid;
  const timer = setInterval(() => {
    const gone = watched.find((p) => !isAlive(p));
    const orphaned = watched.length === 0 && process.ppid !== parentPid;
    if (!gone && !orphaned) return;
    clearInterval(timer);
    onGone(gone ? `${gone.command.slice(0, 2).join(' ')} (pid ${gone.pid})` : `parent pid ${parentPid}`);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The usual reaction: stop as if SIGTERM had come, through the entry point's own signal handling. */
export function stopWhenLaunchersExit(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
  return watchLaunchers((launcher) => {
    log(`${launcher} has exited: stopping`);
    process.kill(process.pid, 'SIGTERM');
  });
}
