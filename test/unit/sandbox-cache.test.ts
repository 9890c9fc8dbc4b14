/**
 * The sandbox's per-workspace cache directories (src/tools/sandbox.ts sandboxCacheDir): one per
 * workspace under XDG_CACHE_HOME, marked used on every run, and those of other workspaces unused
 * for 30 days removed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SANDBOX_CACHE_MAX_AGE_MS, sandboxCacheDir } from '../../src/tools/sandbox.js';

let cacheHome: string;
const DAY = 24 * 60 * 60 * 1000;
beforeEach(() => {
  cacheHome = mkdtempSync(path.join(os.tmpdir(), 'ce-sandbox-cache-'));
});
afterEach(() => rmSync(cacheHome, { recursive: true, force: true }));

const env = () => ({ XDG_CACHE_HOME: cacheHome });
const base = () => path.join(cacheHome, 'claude-exec', 'sandbox');

/** A cache directory another workspace left, last used `ageMs` ago. */
function leftBehind(name: string, ageMs: number): string {
  const p = path.join(base(), name);
  mkdirSync(path.join(p, 'go-build'), { recursive: true });
  writeFileSync(path.join(p, 'go-build', 'entry'), 'x');
  const t = new Date(Date.now() - ageMs);
  utimesSync(p, t, t);
  return p;
}

it('gives each workspace its own directory under XDG_CACHE_HOME, the same one on every call', () => {
  const a = sandboxCacheDir('/work/repo-a', '/nonexistent-home', env())!;
  const b = sandboxCacheDir('/work/repo-b', '/nonexistent-home', env())!;
  expect(a.startsWith(base() + path.sep)).toBe(true);
  expect(path.basename(a)).toBe('go-build');
  expect(b).not.toBe(a);
  expect(sandboxCacheDir('/work/repo-a', '/nonexistent-home', env())).toBe(a);
  expect(statSync(a).isDirectory()).toBe(true);
});

it('marks its workspace used and removes only the other directories unused for 30 days', () => {
  const stale = leftBehind('0123456789abcdef', SANDBOX_CACHE_MAX_AGE_MS + DAY);
  const recent = leftBehind('fedcba9876543210', SANDBOX_CACHE_MAX_AGE_MS - DAY);
  const foreign = leftBehind('not-a-cache', SANDBOX_CACHE_MAX_AGE_MS + DAY);
  const own = sandboxCacheDir('/work/repo-c', '/nonexistent-home', env())!;
  expect(existsSync(stale)).toBe(false);
  expect(existsSync(path.join(recent, 'go-build', 'entry'))).toBe(true);
  expect(existsSync(foreign)).toBe(true);
  expect(existsSync(own)).toBe(true);
});

it("marks the workspace's own directory used on every call, however old it was", () => {
  const own = sandboxCacheDir('/work/repo-d', '/nonexistent-home', env())!;
  const old = new Date(Date.now() - SANDBOX_CACHE_MAX_AGE_MS - DAY);
  utimesSync(path.dirname(own), old, old);
  expect(sandboxCacheDir('/work/repo-d', '/nonexistent-home', env())).toBe(own);
  expect(statSync(path.dirname(own)).mtimeMs).toBeGreaterThan(old.getTime() + DAY);
});
