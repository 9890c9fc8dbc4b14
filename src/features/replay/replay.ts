/**
 * `claude-exec replay CASSETTE`: re-runs a recorded chain offline. A fresh git worktree is made at
 * the cassette's starting commit, a local server speaking the Messages API answers every request
 * with the recorded response, and the chain runs with the recorded flags. Each request the chain
 * sends now is compared with the one recorded: the report names the first that differs (which
 * prompt, which field, a unified diff of the two requests), so a change to a prompt, the memory or
 * the tools shows exactly where a chain would go differently. `update` writes the new requests into
 * the cassette (the responses stay).
 *
 * Matching: a request is answered by the first unused recorded exchange with the same body; when
 * none has it, by the first unused exchange of the same endpoint (a difference). Concurrent steps
 * may reach the server in either order; matching by body keeps that from counting as a change.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createPatch } from 'diff';
import { execa } from 'execa';
import { UsageError } from '../../errors.js';
import { git as runGit } from '../../git/run.js';
import {
  readCassette,
  readGates,
  type CassetteExchange,
  type CassetteGate,
  type CassetteHeader,
} from '../../llm/cassette.js';

interface ReplayDifference {
  /** The recorded exchange the request was answered with. */
  seq: number;
  /** The prompt of the request (`Prompt: NAME` in its first message), when it names one. */
  prompt: string | null;
  /** The JSON path of the first field that differs, e.g. `messages[0].content[0].text`. */
  field: string;
  /** Unified diff of the recorded request (---) and the new one (+++), pretty-printed JSON. */
  diff: string;
}

export interface ReplayReport {
  cassette: string;
  chain_id: string;
  goal: string;
  commit: string;
  /** Requests the chain sent in the replay, and exchanges the cassette holds. */
  requests: number;
  recorded: number;
  /** Requests that matched no recorded one with the same body. */
  differences: ReplayDifference[];
  /** Recorded exchanges the replay never asked for (the chain stopped earlier or went another way). */
  unused: number;
  /** The replayed chain's exit code. */
  exit_code: number;
  /** The cassette was rewritten with the new requests (`--update`). */
  updated: boolean;
}

/** Pure: JSON with sorted object keys (what makes two requests the same request). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Pure: `text` with what differs from run to run masked, so that two runs of the same chain compare
 * equal: the workspace's path (`roots`, recorded and replayed), ISO-8601 times, and measured
 * durations (numbers with three or more decimals, as test runners print them, and `N ms`).
 */
export function maskVolatile(text: string, roots: readonly string[]): string {
  let out = text;
  for (const r of roots) if (r.length > 1) out = out.split(r).join('<workspace>');
  return out
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, '<time>')
    .replace(/\b\d+\.\d{3,}\b/g, '<n>')
    .replace(/\b\d+(?:\.\d+)?\s?ms\b/g, '<n> ms');
}

/** Pure: the path of the first field where `a` and `b` differ ('' when they are equal). */
function firstDifference(a: unknown, b: unknown, at = ''): string {
  if (canonical(a) === canonical(b)) return '';
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return at;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        at ? `${at}.${k}` : k,
      );
      if (d) return d;
    }
  }
  return at || '(the body)';
}

/** Pure: the prompt a Messages request runs, from "Prompt: NAME ·" in its first message. */
export function promptOf(body: unknown): string | null {
  const first = (body as { messages?: { content?: unknown }[] } | null)?.messages?.[0]?.content;
  const text =
    typeof first === 'string'
      ? first
      : Array.isArray(first)
        ? first.map((b: { text?: string }) => b.text ?? '').join('\n')
        : '';
  return /Prompt: ([a-z0-9_]+) ·/.exec(text)?.[1] ?? null;
}

/**
 * Pure: the difference between a recorded request and the one sent now, with a unified diff (at
 * most `maxLines`) of the two with what differs from run to run masked (`maskVolatile`, `roots`),
 * so the field and the diff name what really changed.
 */
function describeDifference(
  recorded: CassetteExchange,
  body: unknown,
  roots: readonly string[] = [],
  maxLines = 200,
): ReplayDifference {
  const masked = (v: unknown): unknown => JSON.parse(maskVolatile(JSON.stringify(v), roots));
  const [was, now] = [masked(recorded.request.body), masked(body)];
  const pretty = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const patch = createPatch(`request ${recorded.seq}`, pretty(was), pretty(now), 'recorded', 'now', {
    context: 3,
  });
  const lines = patch.split('\n');
  const diff =
    lines.length > maxLines
      ? `${lines.slice(0, maxLines).join('\n')}\n… ${lines.length - maxLines} more diff lines`
      : patch;
  return {
    seq: recorded.seq,
    prompt: promptOf(body) ?? promptOf(recorded.request.body),
    field: firstDifference(was, now),
    diff,
  };
}

/** The replay server: answers from `exchanges`, collects the requests and the differences. */
async function startReplayServer(exchanges: CassetteExchange[], roots: string[]) {
  const key = (body: unknown) => maskVolatile(canonical(body), roots);
  const used = new Set<number>();
  const sent: { seq: number; body: unknown }[] = [];
  const differences: ReplayDifference[] = [];
  const answer = (req: IncomingMessage, res: ServerResponse, text: string) => {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: compared as text
    }
    const pathName = new URL(req.url ?? '/', 'http://replay').pathname;
    const candidates = exchanges.filter(
      (x) => !used.has(x.seq) && x.request.path === pathName && x.request.method === req.method,
    );
    const same = candidates.find((x) => key(x.request.body) === key(body));
    const match = same ?? candidates[0];
    if (!match) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          type: 'error',
          error: {
            type: 'api_error',
            message: `replay: no recorded response is left for ${req.method} ${pathName}`,
          },
        }),
      );
      return;
    }
    used.add(match.seq);
    sent.push({ seq: match.seq, body });
    if (!same) differences.push(describeDifference(match, body, roots));
    const headers: Record<string, string> = {};
    if (match.response.content_type) headers['content-type'] = match.response.content_type;
    if (match.response.request_id) headers['request-id'] = match.response.request_id;
    // The SDK's own retries would turn a recorded 5xx into more requests than recorded.
    headers['x-should-retry'] = 'false';
    res.writeHead(match.response.status, headers).end(match.response.body);
  };
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => answer(req, res, text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    differences,
    used,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReplayOptions {
  cassette: string;
  /** The repository the worktree is made from (--cwd). */
  repo: string;
  /** Write the new requests into the cassette. */
  update: boolean;
  /** The claude-exec entry (bin/claude-exec) the chain is run with. */
  bin: string;
  /** Variables passed on to the replayed chain (HOME, PATH, the user prompt and pattern dirs). */
  env: NodeJS.ProcessEnv;
  /** Called with each line the replayed chain prints on stderr. */
  onProgress?: (line: string) => void;
}

/**
 * Replays `opts.cassette`. Throws UsageError (exit 2) for a file that is not a cassette, a cassette
 * without a starting commit, or a repository that does not have that commit.
 */
export async function replayCassette(opts: ReplayOptions): Promise<ReplayReport> {
  let records;
  try {
    records = readCassette(opts.cassette);
  } catch (err) {
    throw new UsageError(`cannot replay ${opts.cassette}: ${(err as Error).message}`);
  }
  const [header, ...exchanges] = records;
  const gates = readGates(opts.cassette);
  if (!header.commit)
    throw new UsageError(
      `${opts.cassette} has no starting commit (the chain ran outside git or before the first commit)`,
      'Replay needs the workspace as it was: record in a git repository with a commit.',
    );
  const git = (args: string[]) => runGit(opts.repo, args);
  if ((await git(['cat-file', '-e', `${header.commit}^{commit}`])).exitCode !== 0) {
    throw new UsageError(
      `commit ${header.commit.slice(0, 12)} of the cassette is not in ${opts.repo}`,
      'Run replay in (or --cwd) the repository the chain was recorded in.',
    );
  }
  const top = (await git(['rev-parse', '--show-toplevel'])).stdout.trim();
  const tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'claude-exec-replay-')));
  const worktree = path.join(tmp, 'wt');
  const cwdOf = path.join(worktree, header.prefix);
  const server = await startReplayServer(
    exchanges,
    [header.workspace, cwdOf.replace(/\/$/, '')].sort((a, b) => b.length - a.length),
  );
  try {
    const added = await git(['worktree', 'add', '--detach', worktree, header.commit]);
    if (added.exitCode !== 0)
      throw new UsageError(`cannot make a worktree at ${header.commit.slice(0, 12)}: ${added.stderr.trim()}`);
    const cwd = cwdOf;
    // Installed dependencies are not in git: the recorded workspace's are linked in (their real
    // path: the sandbox follows one link at the top of the workspace, not a chain of them).
    const modules = path.join(top, header.prefix, 'node_modules');
    if (existsSync(modules) && !existsSync(path.join(cwd, 'node_modules')))
      await symlink(await realpath(modules), path.join(cwd, 'node_modules'), 'dir');
    const env: Record<string, string> = {};
    for (const k of [
      'PATH',
      'HOME',
      'LANG',
      'TERM',
      'XDG_CONFIG_HOME',
      'CLAUDE_EXEC_USER_PROMPTS',
      'CLAUDE_EXEC_USER_PATTERNS',
      'NO_COLOR',
    ])
      if (opts.env[k]) env[k] = opts.env[k]!;
    // The gates answer as recorded (src/features/replay/replayGates.ts); gates passed with --yes need no answer.
    const child = execa(
      process.execPath,
      [opts.bin, ...header.flags, '--replay-gates', opts.cassette, '--', header.goal],
      {
        cwd,
        env: { ...env, ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'replay-no-key' },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        stdout: 'ignore',
      },
    );
    child.stderr?.setEncoding('utf8');
    let buffered = '';
    child.stderr?.on('data', (d: string) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) opts.onProgress?.(l);
    });
    const done = await child;
    const report: ReplayReport = {
      cassette: opts.cassette,
      chain_id: header.chain_id,
      goal: header.goal,
      commit: header.commit,
      requests: server.sent.length,
      recorded: exchanges.length,
      differences: server.differences,
      unused: exchanges.length - server.used.size,
      exit_code: done.exitCode ?? -1,
      updated: false,
    };
    if (opts.update && (report.differences.length || report.unused || report.requests !== report.recorded)) {
      await rewriteCassette(opts.cassette, header, exchanges, gates, server.sent, cwdOf.replace(/\/$/, ''));
      report.updated = true;
    }
    return report;
  } finally {
    await server.close();
    await git(['worktree', 'remove', '--force', worktree]);
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The cassette with each answered exchange's request replaced by the one sent now, in the order
 * sent (unused ones dropped), and its gates kept. The replay's worktree path in the new requests
 * is written back as the recorded workspace's, so the next replay compares them as recorded.
 */
async function rewriteCassette(
  file: string,
  header: CassetteHeader,
  exchanges: CassetteExchange[],
  gates: CassetteGate[],
  sent: { seq: number; body: unknown }[],
  replayRoot: string,
): Promise<void> {
  const bySeq = new Map(exchanges.map((x) => [x.seq, x]));
  const lines = [`${JSON.stringify(header)}\n`];
  const asRecorded = (body: unknown): unknown =>
    replayRoot.length > 1 ? JSON.parse(JSON.stringify(body).split(replayRoot).join(header.workspace)) : body;
  sent.forEach((s, i) => {
    const x = bySeq.get(s.seq)!;
    lines.push(`${JSON.stringify({ ...x, seq: i, request: { ...x.request, body: asRecorded(s.body) } })}\n`);
  });
  for (const g of gates) lines.push(`${JSON.stringify(g)}\n`);
  const tmp = `${file}.tmp-${process.pid}`;
  // One gzip member (the requests' shared prefix compresses away); a recording appends more.
  await writeFile(tmp, gzipSync(lines.join(''), { level: 9 }));
  await rename(tmp, file);
}
