import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // In-process code that reads or writes the user config and trust store never touches the real ~/.config.
    env: { XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), 'claude-exec-test-config-')) },
  },
});
