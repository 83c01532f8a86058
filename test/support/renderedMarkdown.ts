// What a Markdown string shows once rendered, read from the tokens of marked
// (the parser VS Code renders Markdown hovers with, GitHub flavour on): the
// plain text a reader sees, and every link with its target.
import { Lexer, type Token } from 'marked';

export interface Rendered {
  text: string;
  links: { text: string; href: string }[];
  /** Token types other than text, escapes, paragraphs, emphasis, links and line breaks (headings, lists, HTML…). */
  structure: string[];
}

const PLAIN = new Set(['paragraph', 'text', 'escape', 'strong', 'em', 'link', 'space', 'br']);

export function rendered(markdown: string): Rendered {
  const out: Rendered = { text: '', links: [], structure: [] };
  walk(new Lexer({ gfm: true }).lex(markdown), out);
  return out;
}

function walk(tokens: Token[], out: Rendered): void {
  for (const token of tokens) {
    if (!PLAIN.has(token.type)) out.structure.push(token.type);
    if (token.type === 'link') out.links.push({ text: textOf(token.tokens ?? []), href: token.href });
    if ('tokens' in token && token.tokens !== undefined && token.tokens.length > 0) walk(token.tokens, out);
    else if (token.type === 'text' || token.type === 'escape') out.text += decodeEntities(token.text);
    if (token.type === 'paragraph') out.text += '\n';
  }
}

function textOf(tokens: Token[]): string {
  const out: Rendered = { text: '', links: [], structure: [] };
  walk(tokens, out);
  return out.text;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}
