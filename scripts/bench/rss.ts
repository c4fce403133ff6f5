import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of processes on Linux, read from /proc (the bench measures memory as the OS sees it). */

interface ProcessInfo {
  pid: number;
  ppid: number;
  cmdline: string;
  rssBytes: number;
  /** Proportional set size: shared pages split among the processes sharing them, so a sum over processes is true. */
  pssBytes: number;
}

function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
      let pssKb = rssKb;
      try {
        pssKb = Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8'))?.[1] ?? rssKb);
      } catch {
        /* kernels without smaps_rollup: RSS */
      }
      found.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '),
        rssBytes: rssKb * 1024,
        pssBytes: pssKb * 1024,
      });
    } catch {
      /* exited while we looked */
    }
  }
  return found;
}

/**
 * Memory of a process tree (tsx runs the script in a child process; PostgreSQL forks per connection): `largest` is the
 * RSS of its biggest process (the worker itself, not tsx's launcher), `total` the sum of PSS over the tree.
 */
export function treeMemory(rootPid: number, measure: 'largest' | 'total'): number {
  const all = processes();
  const inTree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all)
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
  }
  const tree = all.filter((p) => inTree.has(p.pid));
  return measure === 'largest'
    ? Math.max(0, ...tree.map((p) => p.rssBytes))
    : tree.reduce((sum, p) => sum + p.pssBytes, 0);
}

/** The pid of the first process whose command line matches. */
export function findPid(pattern: RegExp): number | undefined {
  return processes().find((p) => pattern.test(p.cmdline))?.pid;
}

/** Keeps the peak of each named measurement, sampled every `everyMs`. */
export function samplePeaks(sources: Record<string, () => number>, everyMs = 1_000) {
  const peaks: Record<string, number> = Object.fromEntries(Object.keys(sources).map((k) => [k, 0]));
  const sample = () => {
    for (const [name, read] of Object.entries(sources)) peaks[name] = Math.max(peaks[name]!, read());
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    peaks,
    stop() {
      clearInterval(timer);
      sample();
      return { ...peaks };
    },
  };
}
