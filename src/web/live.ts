/**
 * Live documents: the contexts directories are watched (node's fs.watch of each directory; a
 * context file is replaced by an atomic rename, so the directory is what is watched), and every subscriber of a document
 * (an API path, src/web/documents.ts) is sent that document again when a change could alter it
 * and its text did change. Changes are gathered for `intervalMs` (default 200 ms) and each
 * document is rebuilt once per gathering for all its subscribers, so a chain writing its file
 * after every call costs a few rebuilds a second, never one per write.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { normalizeChainId } from '../chain/store.js';
import { rounded } from '../contract/json.js';
import { chainIdOf, documentFor, type DocumentResult, type DocumentSource } from './documents.js';

/** Every chain may have changed (a contexts directory appeared). */
const ALL = '*';

/** A context file or its companions (journal): `chain-NNN-…` ending in .json or .jsonl. */
const CHAIN_FILE = /^chain-(\d+)-.*\.jsonl?$/;

/** The chain id of a changed file, or null when the file is not a chain's. */
export function chainOfFile(file: string): string | null {
  const m = CHAIN_FILE.exec(path.basename(file));
  return m ? normalizeChainId(m[1]!) : null;
}

export type Send = (result: DocumentResult, text: string) => Promise<void> | void;

interface Subscriber {
  url: URL;
  send: Send;
  /** Text last sent. */
  last: string | null;
}

export interface LiveOptions {
  intervalMs?: number;
}

export class LiveDocuments {
  private readonly subscribers = new Set<Subscriber>();
  private readonly changedChains = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly watchers: FSWatcher[] = [];
  private readonly intervalMs: number;

  constructor(
    private readonly src: DocumentSource,
    opts: LiveOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 200;
  }

  /**
   * Starts watching the contexts directories. One that does not exist yet (no chain has run in
   * the workspace) is waited for in its parent directory, then watched from its creation on.
   */
  async start(): Promise<void> {
    const missing = new Set(this.src.dirs.filter((d) => !existsSync(d)).map((d) => path.resolve(d)));
    const onError = (err: Error) =>
      this.src.onWarning(`watching ${this.src.dirs.join(', ')}: ${err.message}`);
    // One watch of each directory itself (inotify on Linux): nothing is read or stat'ed per file,
    // which with 10,000 chains was seconds at start and most of the server's memory.
    const add = (dir: string, listener: (event: string, name: string | null) => void) => {
      try {
        const w = watch(dir, listener);
        w.on('error', onError);
        this.watchers.push(w);
      } catch (err) {
        onError(err as Error);
      }
    };
    const watchDir = (dir: string) =>
      add(dir, (_event, name) => {
        if (name && !name.startsWith('.')) this.changed(path.join(dir, name));
      });
    for (const dir of this.src.dirs) if (!missing.has(path.resolve(dir))) watchDir(dir);
    for (const parent of new Set([...missing].map((d) => path.dirname(d)))) {
      add(parent, () => {
        for (const dir of missing) {
          if (path.dirname(dir) !== parent || !existsSync(dir)) continue;
          missing.delete(dir);
          watchDir(dir);
          // Chains written before the watch reached the new directory.
          this.changedChains.add(ALL);
          this.schedule();
        }
      });
    }
  }

  /** Sends the document at `url` now, and again whenever it changes. Returns the unsubscribe function. */
  subscribe(url: URL, send: Send): () => void {
    const s: Subscriber = { url, send, last: null };
    this.subscribers.add(s);
    void this.refresh([s]);
    return () => this.subscribers.delete(s);
  }

  /** A file in a contexts directory changed (called by the watcher; tests may call it). */
  changed(file: string): void {
    const id = chainOfFile(file);
    if (id === null) return;
    this.changedChains.add(id);
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.intervalMs);
  }

  private async flush(): Promise<void> {
    if (this.flushing) {
      // One rebuild at a time: gather what changes meanwhile for the next one.
      await this.flushing;
      return this.flush();
    }
    const chains = new Set(this.changedChains);
    this.changedChains.clear();
    if (chains.size === 0) return;
    const affected = [...this.subscribers].filter((s) => {
      const id = chainIdOf(s.url.pathname);
      return id === null || chains.has(ALL) || chains.has(normalizeChainId(id) ?? id);
    });
    this.flushing = this.refresh(affected).finally(() => (this.flushing = null));
    await this.flushing;
  }

  /** Rebuilds each distinct document once and sends it to those of `subs` whose last text differs. */
  private async refresh(subs: Subscriber[]): Promise<void> {
    const byHref = new Map<string, Subscriber[]>();
    for (const s of subs) byHref.set(s.url.href, [...(byHref.get(s.url.href) ?? []), s]);
    for (const [, group] of byHref) {
      const result = await documentFor(group[0]!.url, this.src);
      const text = JSON.stringify(result.doc, rounded);
      for (const s of group) {
        if (!this.subscribers.has(s) || s.last === text) continue;
        s.last = text;
        await Promise.resolve(s.send(result, text)).catch(() => this.subscribers.delete(s));
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.subscribers.clear();
    for (const w of this.watchers.splice(0)) w.close();
  }
}
