import { describe, expect, it } from 'vitest';
import { chainFileName, formatChainId, parseChainFileName, slugify } from '../../src/chain/names.js';
import { normalizeChainId } from '../../src/chain/store.js';

describe('context file names', () => {
  it('slugs a goal into a few lower-case words without filler', () => {
    expect(slugify('Add JWT authentication to my Express app')).toBe('jwt-authentication-express');
    expect(slugify('Héllo wörld!!')).toBe('hello-world');
    expect(slugify('!!!')).toBe('task');
  });

  it('pads ids to three digits and grows past 999', () => {
    expect(formatChainId(7)).toBe('007');
    expect(formatChainId(1234)).toBe('1234');
  });

  it('round-trips a name with its UTC start time', () => {
    const at = new Date(Date.UTC(2026, 10, 20, 14, 22, 5));
    const name = chainFileName('047', 'jwt-auth', at);
    expect(name).toBe('chain-047-jwt-auth-2026-11-20-14-22-05.json');
    expect(parseChainFileName(name)).toEqual({ chainId: '047', slug: 'jwt-auth', startedAtMs: at.getTime() });
  });

  it('rejects files that are not context files', () => {
    expect(parseChainFileName('chain-047-jwt-auth-2026-11-20-14-22-05.log')).toBeNull();
    expect(parseChainFileName('notes.json')).toBeNull();
    expect(parseChainFileName('chain-47-x-2026-11-20-14-22-05.json')).toBeNull();
  });

  it('parses names the fast path cannot take as the name pattern does', () => {
    // A slug of digits and dashes, an empty slug, a time that rolls over, a long id.
    expect(parseChainFileName('chain-047-2fa-2026-11-20-14-22-05.json')).toEqual({
      chainId: '047',
      slug: '2fa',
      startedAtMs: Date.UTC(2026, 10, 20, 14, 22, 5),
    });
    expect(parseChainFileName('chain-047-2026-11-20-14-22-05.json')).toEqual({
      chainId: '047',
      slug: '',
      startedAtMs: Date.UTC(2026, 10, 20, 14, 22, 5),
    });
    expect(parseChainFileName('chain-047-x-2026-13-20-14-22-05.json')).toEqual({
      chainId: '047',
      slug: 'x',
      startedAtMs: Date.UTC(2026, 12, 20, 14, 22, 5),
    });
    expect(parseChainFileName('chain-12345-a-b-2026-11-20-14-22-05.json')).toEqual({
      chainId: '12345',
      slug: 'a-b',
      startedAtMs: Date.UTC(2026, 10, 20, 14, 22, 5),
    });
    expect(parseChainFileName('chain-047-x-2026-11-20-14-22-0a.json')).toBeNull();
    expect(parseChainFileName('chain-04a-x-2026-11-20-14-22-05.json')).toBeNull();
  });

  it('normalizes chain ids given by a user', () => {
    expect(normalizeChainId('47')).toBe('047');
    expect(normalizeChainId('chain-047')).toBe('047');
    expect(normalizeChainId('0047')).toBe('047');
    expect(normalizeChainId('abc')).toBeNull();
  });
});
