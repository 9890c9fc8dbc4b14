/**
 * The live status line, once closed at the end of a run, stays gone: a question asked after the
 * end ("Save as reusable pattern?") pauses and resumes the progress, which must not redraw it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/ui/progress.js';

afterEach(() => vi.restoreAllMocks());

describe('the status line after close', () => {
  it('resume after close draws nothing; resume after a pause draws it again', () => {
    const drawn: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      drawn.push(String(chunk));
      return true;
    });
    const p = createProgress(() => undefined, { color: false, verbose: false, live: true });
    p.phase('implementation');
    expect(drawn.join('')).toContain('Implementation · working');

    p.pause();
    drawn.length = 0;
    p.resume();
    expect(drawn.join('')).toContain('Implementation · working');

    p.close();
    drawn.length = 0;
    p.pause();
    p.resume();
    expect(drawn.join('')).not.toContain('Implementation');
    p.close();
  });
});
