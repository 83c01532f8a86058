// Markdown from untrusted text. A file name or command line is data: it must
// never become emphasis, a heading, HTML, an autolink or a command link. Every
// ASCII punctuation character is backslash-escaped (CommonMark allows that for
// all of them, and it keeps "[x](command:…)", "<b>", "&amp;", "https://" and
// "a@b.c" from being recognised), control characters are shown as escapes so
// that a newline cannot start a new block, and runs of spaces are kept.
import { escapeText } from '../../common/shownText';

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** `text` as Markdown that renders as exactly `text`, with hidden characters as visible escapes. */
export function markdownText(text: string): string {
  return markdownOfShownText(escapeText(text));
}

/** Text whose hidden characters are already escapes (the output of escapeText or escapeBytes), as literal Markdown. */
export function markdownOfShownText(shown: string): string {
  return shown
    .replace(ASCII_PUNCTUATION, '\\$&')
    .replace(/ {2,}/g, (spaces) => '&nbsp;'.repeat(spaces.length))
    .replace(/^ /, '&nbsp;');
}

/**
 * A link that runs `command` with `args`. The link text is Markdown the caller
 * made safe; the arguments are JSON, percent-encoded down to characters that
 * cannot end a Markdown link destination.
 */
export function commandLink(markdownLabel: string, command: string, args: readonly unknown[]): string {
  const encoded = encodeURIComponent(JSON.stringify(args)).replace(
    /[!'()*~]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `[${markdownLabel}](command:${command}?${encoded})`;
}
