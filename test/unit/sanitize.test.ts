import { describe, expect, it } from 'vitest';
import { escapeJsonControls, sanitizeTerminal } from '../../src/ui/sanitize.js';

const ESC = '\x1b';

describe('sanitizeTerminal', () => {
  it.each([
    ['OSC 52 clipboard write (BEL)', `a${ESC}]52;c;ZXZpbA==\x07b`, 'ab'],
    ['OSC 0 window title (ST)', `a${ESC}]0;pwned${ESC}\\b`, 'ab'],
    ['clear screen and cursor home', `a${ESC}[2J${ESC}[Hb`, 'ab'],
    ['cursor up and erase line', `x${ESC}[1A${ESC}[2Ky`, 'xy'],
    ['8-bit CSI and OSC', `a\x9b2Jb\x9d0;t\x07c`, 'abc'],
    ['DCS', `a${ESC}Pq#0;2;0;0;0${ESC}\\b`, 'ab'],
    ['charset switch (two-byte ESC)', `a${ESC}(0b${ESC}cc`, 'abc'],
    ['an unterminated OSC keeps its text harmless', `a${ESC}]52;c;Zm9v`, 'a52;c;Zm9v'],
    ['C0 controls, bell, backspace, DEL', 'a\x07\x08\x00\x7fb', 'ab'],
    ['a lone carriage return; CRLF keeps its newline', 'ok\rEVIL\r\nnext', 'okEVIL\nnext'],
    ['bidi override marks', 'admin\u202euser\u2066x\u2069', 'adminuserx'],
  ])('removes %s', (_name, input, expected) => {
    expect(sanitizeTerminal(input)).toBe(expected);
  });

  it('keeps newlines, tabs and printable Unicode', () => {
    expect(sanitizeTerminal('a\tb\nc — ✓ é 日本')).toBe('a\tb\nc — ✓ é 日本');
  });

  it('keeps SGR colours only with keepColors, and never anything else', () => {
    const text = `${ESC}[1m${ESC}[36mhi${ESC}[39m${ESC}[22m${ESC}]52;c;eA==\x07${ESC}[2J`;
    expect(sanitizeTerminal(text, { keepColors: true })).toBe(`${ESC}[1m${ESC}[36mhi${ESC}[39m${ESC}[22m`);
    expect(sanitizeTerminal(text)).toBe('hi');
  });
});

describe('escapeJsonControls', () => {
  it('writes DEL, C1 and bidi marks as \\u escapes: the same JSON value, nothing raw', () => {
    const value = { goal: 'a\x7f\x9b2J\u202eb' };
    const json = escapeJsonControls(JSON.stringify(value));
    expect(json).toBe('{"goal":"a\\u007f\\u009b2J\\u202eb"}');
    expect(JSON.parse(json)).toEqual(value);
    expect(sanitizeTerminal(json)).toBe(json);
  });
});
