/**
 * Live documents: the contexts directories are watched (chokidar; a context file is replaced by
 * an atomic rename, so the directory is what is watched), and every subscriber of a document
 * (an API path, src/web/documents.ts) is sent that document again when a change could alter it
 * and its text did change. Changes are gathered for `intervalMs` (default 200 ms) and each
 * document is rebuilt once per gathering for all its subscribers, so a chain writing its file
 * after every call costs a few rebuilds a second, never one per write.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { normalizeChainId } from '../chain/store.js';
import { rounded } from '../cli/io.js';
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
  private watcher: FSWatcher | null = null;
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
    const w = watch([...this.src.dirs.filter((d) => !missing.has(path.resolve(d))), ...[...missing].map((d) => path.dirname(d))], {
      ignoreInitial: true,
      depth: 0,
      ignored: (p) => path.basename(p).startsWith('.'),
    });
    w.on('all', (event, file) => {
      if (event === 'addDir' && missing.delete(path.resolve(file))) {
        w.add(file);
        // Chains written before the watch reached the new directory.
        this.changedChains.add(ALL);
        this.schedule();
      } else this.changed(file);
    });
    w.on('error', (err) => this.src.onWarning(`watching ${this.src.dirs.join(', ')}: ${(err as Error).message}`));
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    this.watcher = w;
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
    await this.watcher?.close();
  }
}
