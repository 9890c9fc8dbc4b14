/**
 * A small real file system for full-disk and read-only tests: a tmpfs of a given size mounted on
 * a fresh directory. Mounting needs root (CI runs as root); elsewhere `mountTmpfs` returns null
 * and the tests that need it say why they are skipped, while the injected-failure tests still run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface Tmpfs {
  dir: string;
  /** Remounts with a new size (e.g. '16m') and/or read-only ('ro') or read-write ('rw'). */
  remount(opts: { size?: string; mode?: 'ro' | 'rw' }): Promise<void>;
  unmount(): Promise<void>;
}

/** Why a tmpfs cannot be mounted here, or null when it can (probed once). In CI (root) it must work. */
let probed: Promise<string | null> | undefined;
export function tmpfsUnavailable(): Promise<string | null> {
  probed ??= (async () => {
    if (process.env.CI) return null;
    if (process.platform !== 'linux') return 'not Linux';
    if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root';
    const t = await mountTmpfs('64k', true);
    if (!t) return 'mount -t tmpfs failed';
    await t.unmount();
    return null;
  })();
  return probed;
}

/** Mounts a tmpfs of `size` (e.g. '96k') on a new directory; null when that is not possible. */
export async function mountTmpfs(size: string, probing = false): Promise<Tmpfs | null> {
  if (!probing && (await tmpfsUnavailable()) !== null) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-tmpfs-'));
  const r = await execa('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { reject: false });
  if (r.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    async remount({ size: newSize, mode }) {
      const o = ['remount', ...(newSize ? [`size=${newSize}`] : []), ...(mode ? [mode] : [])].join(',');
      await execa('mount', ['-o', o, dir]);
    },
    async unmount() {
      await execa('umount', [dir], { reject: false });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
