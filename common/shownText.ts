// File names and command lines as a person reads them, the same on the
// terminal command's lines (helper/commands/traceCommand.ts) and in the Deletions view
// (extension/view/displayText.ts). A name may hold newlines, escape sequences that
// a terminal would obey, bidirectional-override characters that reorder what
// is shown, and bytes that are not UTF-8 at all; like `ls -b`, each becomes a
// visible escape, and a backslash is doubled so that escapes stay unambiguous.
import type { DeletionEvent } from './protocol';

const NAMED_ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
  0x1b: '\\e',
  0x5c: '\\\\',
};

function isHidden(codePoint: number): boolean {
  return (
    codePoint < 0x20 ||
    (codePoint >= 0x7f && codePoint <= 0x9f) || // DEL and the C1 controls
    (codePoint >= 0x202a && codePoint <= 0x202e) || // bidirectional embeddings and overrides
    (codePoint >= 0x2066 && codePoint <= 0x2069) || // bidirectional isolates
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    codePoint === 0x061c // directional marks
  );
}

function escapeCodePoint(codePoint: number): string {
  const named = NAMED_ESCAPES[codePoint];
  if (named !== undefined) return named;
  if (codePoint <= 0xff) return `\\x${codePoint.toString(16).padStart(2, '0')}`;
  return `\\u{${codePoint.toString(16)}}`;
}

/** Escapes what would not show as itself in `text`. */
export function escapeText(text: string): string {
  let out = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    out += isHidden(codePoint) || codePoint === 0x5c ? escapeCodePoint(codePoint) : char;
  }
  return out;
}

/** Length of the valid UTF-8 sequence at bytes[i], or 0 if there is none. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const lead = bytes[i];
  let length: number;
  let min: number;
  if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
  else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
  else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (i + length > bytes.length) return 0;
  let codePoint = lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = bytes[i + k];
    if ((next & 0xc0) !== 0x80) return 0;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return 0;
  return length;
}

/** Escapes `bytes` as text, with each byte that is not part of valid UTF-8 as \xNN. */
export function escapeBytes(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] < 0x80) {
      out += escapeText(String.fromCharCode(bytes[i]));
      i++;
      continue;
    }
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      out += `\\x${bytes[i].toString(16).padStart(2, '0')}`;
      i++;
    } else {
      out += escapeText(bytes.subarray(i, i + length).toString('utf8'));
      i += length;
    }
  }
  return out;
}

/** The event's path as the user should read it: escaped, and exact even where it is not UTF-8. */
export function shownPath(event: Pick<DeletionEvent, 'path' | 'pathBytes'>): string {
  return shownText(event.path, event.pathBytes);
}

/** A rename's destination as shownPath() shows a path; empty for a deletion. */
export function shownMovedTo(event: Pick<DeletionEvent, 'movedTo' | 'movedToBytes'>): string {
  return event.movedTo === undefined ? '' : shownText(event.movedTo, event.movedToBytes);
}

/** Text with its exact bytes in base64 where they are not UTF-8: shown from the bytes then. */
function shownText(text: string, base64: string | undefined): string {
  return base64 !== undefined ? escapeBytes(Buffer.from(base64, 'base64')) : escapeText(text);
}
