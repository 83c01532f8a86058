// Names and command lines made safe to print on a terminal, one event to a
// line and in the view (common/shownText.ts).
import { describe, expect, it } from 'vitest';

import { escapeBytes, escapeText } from '../../common/shownText';

describe('escapeText', () => {
  it('leaves printable text, accents and symbols included, as it is', () => {
    expect(escapeText('/home/zoë/notes ✓.txt')).toBe('/home/zoë/notes ✓.txt');
  });

  it('shows a newline as \\n, so that one event stays on one line', () => {
    expect(escapeText('line\nbreak')).toBe('line\\nbreak');
  });

  it('shows the escape character as \\e, so that the terminal does not obey it', () => {
    expect(escapeText('\x1b[31mred')).toBe('\\e[31mred');
  });

  it('doubles a backslash, so that escapes stay unambiguous', () => {
    expect(escapeText('a\\nb')).toBe('a\\\\nb');
  });

  it('shows other control characters, DEL and C1 controls as \\xNN', () => {
    expect(escapeText('\x01\x7f\x85')).toBe('\\x01\\x7f\\x85');
  });

  it('shows characters that reorder what is displayed as \\u{...}', () => {
    expect(escapeText('evil\u202etxt.exe')).toBe('evil\\u{202e}txt.exe');
    expect(escapeText('\u2066x\u2069')).toBe('\\u{2066}x\\u{2069}');
  });
});

describe('escapeBytes', () => {
  it('decodes valid UTF-8 and escapes it like text', () => {
    expect(escapeBytes(Buffer.from('café\n'))).toBe('café\\n');
  });

  it('shows each byte that is not part of valid UTF-8 as \\xNN', () => {
    expect(escapeBytes(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\\xffb');
  });

  it('refuses overlong encodings, UTF-16 surrogates and cut-off sequences byte by byte', () => {
    expect(escapeBytes(Buffer.from([0xc0, 0x80]))).toBe('\\xc0\\x80');
    expect(escapeBytes(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\xed\\xa0\\x80');
    expect(escapeBytes(Buffer.from([0x78, 0xe2, 0x82]))).toBe('x\\xe2\\x82');
  });

  it('keeps four-byte characters whole', () => {
    expect(escapeBytes(Buffer.from('🗑'))).toBe('🗑');
  });
});
