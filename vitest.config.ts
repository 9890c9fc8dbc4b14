import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Folders in the order their files start when vitest has no timings yet: slowest kind first. */
const SLOW_FIRST = ['test/e2e/', 'test/reliability/', 'test/integration/', 'test/unit/'];

/**
 * Longest first. Vitest orders by the durations it cached from the last run; a clean clone (CI)
 * has none, and then the files that spawn the built binary and Claude Code start first, so the
 * end of the run is the many short unit files on both workers rather than one long file alone.
 */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const key = (f: TestSpecification) => `${f.project.name}:${path.relative(root, f.moduleId)}`;
    if (sorted.every((f) => this.ctx.cache.getFileTestResults(key(f)))) return sorted;
    const tier = (f: TestSpecification) => {
      const rel = path.relative(root, f.moduleId).split(path.sep).join('/');
      const i = SLOW_FIRST.findIndex((dir) => rel.startsWith(dir));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => tier(a.f) - tier(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file in its own child process (the e2e files spawn many), as many at once as there are
    // cores: vitest's default for `run` is one fewer than the cores, which on a 2-core CI machine
    // runs the files one at a time while most of their time is spent waiting on the processes they spawn.
    pool: 'forks',
    maxWorkers: Math.max(os.availableParallelism(), 2),
    // In-process code that reads or writes the user config and trust store never touches the real ~/.config.
    // Sandboxed runs keep their build caches under XDG_CACHE_HOME: a temporary one, not ~/.cache.
    env: {
      XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), 'claude-exec-test-config-')),
      XDG_CACHE_HOME: mkdtempSync(path.join(os.tmpdir(), 'claude-exec-test-cache-')),
    },
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        extends: true,
        // The in-process files (unit, integration) share their workers' module graph instead of
        // each importing it anew, which was most of a unit file's time. So such a file leaves no
        // state behind: it restores what it mocks, sets or changes (vi.restoreAllMocks, a saved env).
        test: {
          name: 'in-process',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          isolate: false,
        },
      },
      {
        extends: true,
        // Files that spawn the built binary and kill, lock and signal it. They too share their
        // workers' module graph (a fresh worker and its imports cost 0.5-0.75 CPU s per file,
        // 25-35 s over these files): what they kill and signal is the binary they spawned, never
        // the worker, and a file that sets an env variable deletes it in a finally.
        test: {
          name: 'spawning',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/integration/**'],
          isolate: false,
        },
      },
    ],
  },
});
