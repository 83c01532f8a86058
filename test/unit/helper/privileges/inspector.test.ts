// Which options of Node's ask for its inspector: the helper refuses to start
// with any of them, among its own options or in NODE_OPTIONS.
import { describe, expect, it } from 'vitest';

import { inspectorOptionOf } from '../../../../helper/privileges/inspector';

describe('an option that asks for the inspector', () => {
  it('is found among Node’s own options, in each of its forms', () => {
    for (const option of [
      '--inspect',
      '--inspect=0.0.0.0:9229',
      '--inspect-brk',
      '--inspect-wait=9229',
      '--inspect-port=0',
      '--debug-port=9229',
      '--inspect-brk-node',
    ]) {
      expect(inspectorOptionOf(['--max-old-space-size=512', option], undefined)).toBe(option);
    }
  });

  it('is found in NODE_OPTIONS, quoted or not, among others', () => {
    expect(inspectorOptionOf([], '--max-old-space-size=512 --inspect-port=0')).toBe('--inspect-port=0');
    expect(inspectorOptionOf([], '--trace-warnings "--inspect=127.0.0.1:0"')).toBe('--inspect=127.0.0.1:0');
  });

  it('is not found where none asks for it', () => {
    expect(inspectorOptionOf(['--max-old-space-size=512', '--enable-source-maps'], '--trace-warnings')).toBeUndefined();
    expect(inspectorOptionOf([], undefined)).toBeUndefined();
    expect(inspectorOptionOf(['--inspectors-are-not-an-option'], '')).toBeUndefined();
  });
});
