/**
 * A process limit that also holds for root. RLIMIT_NPROC (set inside the sandbox, where it counts
 * the sandbox's own processes) does not bind uid 0: the kernel exempts the root user from it. So
 * when we run as root and a pids cgroup can be made (cgroup v1's `pids` hierarchy, or a cgroup v2
 * root with the pids controller), the sandbox is started inside a fresh cgroup whose `pids.max` is
 * the limit, and the cgroup is removed after the run. Anywhere else this returns null and the
 * rlimit is the limit.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PidsCgroup {
  /** The `cgroup.procs` file a process writes its pid to before it execs the sandbox. */
  procs: string;
  /** Removes the cgroup once its processes are gone (retries while the kernel reaps them). */
  remove(): Promise<void>;
}

const ROOT = '/sys/fs/cgroup';
let seq = 0;

/** The directory under which we may create a pids cgroup, or null. */
function pidsParent(): string | null {
  let lines: string[];
  try {
    lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  } catch {
    return null;
  }
  const v1 = lines.map((l) => l.split(':')).find((f) => f.length >= 3 && f[1]!.split(',').includes('pids'));
  if (v1) return path.join(ROOT, 'pids', f3(v1));
  const v2 = lines.map((l) => l.split(':')).find((f) => f[0] === '0' && f[1] === '');
  if (!v2) return null;
  // In cgroup v2 a cgroup that has processes cannot give its children controllers: only the root can be used.
  try {
    return f3(v2) === '/' &&
      readFileSync(path.join(ROOT, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('pids')
      ? ROOT
      : null;
  } catch {
    return null;
  }
}

const f3 = (fields: string[]) => fields.slice(2).join(':');

/**
 * A new pids cgroup limited to `max` processes, or null when not root or none can be made
 * (never throws).
 */
export function createPidsCgroup(max: number): PidsCgroup | null {
  if (process.getuid?.() !== 0) return null;
  const parent = pidsParent();
  if (!parent) return null;
  const dir = path.join(parent, `claude-exec-${process.pid}-${++seq}`);
  try {
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'pids.max'), String(max));
  } catch {
    try {
      rmdirSync(dir);
    } catch {
      // it was never made
    }
    return null;
  }
  return {
    procs: path.join(dir, 'cgroup.procs'),
    async remove() {
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(dir);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          await new Promise((r) => setTimeout(r, 20 * (i + 1)));
        }
      }
    },
  };
}
