import { describe, expect, it } from 'vitest';

import { commandLink, markdownText } from '../../../../extension/view/markdown';
import { rendered } from '../../../support/renderedMarkdown';

describe('markdownText', () => {
  it('shows a command link in a file name as the plain text it is', () => {
    const name = '[x](command:workbench.action.quit)';
    const shown = rendered(markdownText(name));
    expect(shown.links).toEqual([]);
    expect(shown.text.trim()).toBe(name);
  });

  it('shows HTML, emphasis, headings and lists as plain text', () => {
    for (const name of [
      '<img src=x onerror=alert(1)>',
      '*bold* _it_',
      '# heading',
      '- item',
      '1. first',
      '> quote',
      '`code`',
      '| a | b |',
    ]) {
      const shown = rendered(markdownText(name));
      expect({ name, structure: shown.structure, text: shown.text.trim() }).toEqual({
        name,
        structure: [],
        text: name,
      });
    }
  });

  it('does not turn web addresses or e-mail addresses into links', () => {
    for (const name of ['https://example.com/x', 'www.example.com', 'ada@example.com', '<https://example.com>']) {
      expect(rendered(markdownText(name)).links).toEqual([]);
    }
  });

  it('shows a newline in a name as \\n, on the same line', () => {
    const shown = rendered(markdownText('first\n# second'));
    expect(shown.structure).toEqual([]);
    expect(shown.text.trim()).toBe('first\\n# second');
  });

  it('shows control characters and bidirectional overrides as escapes', () => {
    expect(rendered(markdownText('a\u001b[31mb\u202ec\r')).text.trim()).toBe('a\\e[31mb\\u{202e}c\\r');
  });

  it('keeps runs of spaces, which HTML would collapse into one', () => {
    expect(rendered(markdownText('a   b')).text.trim()).toBe('a\u00a0\u00a0\u00a0b');
  });

  it('shows entities as written, not as what they stand for', () => {
    expect(rendered(markdownText('&lt;&amp;')).text.trim()).toBe('&lt;&amp;');
  });
});

describe('commandLink', () => {
  it('passes its arguments as percent-encoded JSON that a parenthesis cannot cut short', () => {
    const link = commandLink('dir', 'syscallTrace.openDirectory', ['/tmp/a (1)/b)']);
    const [only] = rendered(link).links;
    expect(only.text).toBe('dir');
    expect(only.href.startsWith('command:syscallTrace.openDirectory?')).toBe(true);
    expect(JSON.parse(decodeURIComponent(only.href.slice(only.href.indexOf('?') + 1)))).toEqual(['/tmp/a (1)/b)']);
  });
});
