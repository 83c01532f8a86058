import { describe, expect, it } from 'vitest';

import { capitalised, endSentence } from '../../../extension/sentences';

describe('a line as a sentence', () => {
  it('begins with a capital', () => {
    expect(capitalised('copied it')).toBe('Copied it');
    expect(capitalised('')).toBe('');
  });

  it('ends with a full stop, unless it has an ending of its own', () => {
    expect(endSentence('not admitted')).toBe('not admitted.');
    expect(endSentence('not admitted.')).toBe('not admitted.');
    expect(endSentence('really?')).toBe('really?');
    expect(endSentence('stop!')).toBe('stop!');
  });
});
