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

  it('normalizes chain ids given by a user', () => {
    expect(normalizeChainId('47')).toBe('047');
    expect(normalizeChainId('chain-047')).toBe('047');
    expect(normalizeChainId('0047')).toBe('047');
    expect(normalizeChainId('abc')).toBeNull();
  });
});
