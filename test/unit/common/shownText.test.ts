// Names and command lines made safe to print on a terminal, one event to a
// line and in the view (common/shownText.ts).
import { describe, expect, it } from 'vitest';

import { escapeBytes, escapeText } from '../../../common/shownText';

describe('escapeText', () => {
  it.each([
    ['leaves printable text, accents and symbols included, as it is', '/home/zoë/notes ✓.txt', '/home/zoë/notes ✓.txt'],
    ['shows a newline as \\n, so that one event stays on one line', 'line\nbreak', 'line\\nbreak'],
    ['shows the escape character as \\e, so that the terminal does not obey it', '\x1b[31mred', '\\e[31mred'],
    ['doubles a backslash, so that escapes stay unambiguous', 'a\\nb', 'a\\\\nb'],
    ['shows other control characters, DEL and C1 controls as \\xNN', '\x01\x7f\x85', '\\x01\\x7f\\x85'],
    ['shows characters that reorder what is displayed as \\u{...}', 'evil\u202etxt.exe', 'evil\\u{202e}txt.exe'],
    ['shows isolates, which reorder what they enclose, as \\u{...}', '\u2066x\u2069', '\\u{2066}x\\u{2069}'],
  ])('%s', (_behaviour, text, shown) => {
    expect(escapeText(text)).toBe(shown);
  });
});

describe('escapeBytes', () => {
  it.each([
    ['decodes valid UTF-8 and escapes it like text', Buffer.from('café\n'), 'café\\n'],
    ['shows each byte that is not part of valid UTF-8 as \\xNN', Buffer.from([0x61, 0xff, 0x62]), 'a\\xffb'],
    ['refuses an overlong encoding byte by byte', Buffer.from([0xc0, 0x80]), '\\xc0\\x80'],
    ['refuses a UTF-16 surrogate byte by byte', Buffer.from([0xed, 0xa0, 0x80]), '\\xed\\xa0\\x80'],
    ['refuses a sequence cut off before its end byte by byte', Buffer.from([0x78, 0xe2, 0x82]), 'x\\xe2\\x82'],
    ['keeps four-byte characters whole', Buffer.from('🗑'), '🗑'],
  ])('%s', (_behaviour, bytes, shown) => {
    expect(escapeBytes(bytes)).toBe(shown);
  });
});
