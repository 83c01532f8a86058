import { describe, expect, it } from 'vitest';

import { homeShortened, renameDescription } from '../../../../extension/view/renameText';
import { rename } from '../../../support/deletionEvents';

const HOME = '/home/ada';

describe('what a rename’s row says', () => {
  it('shows names with newlines and control characters as escapes, on one line', () => {
    const save = rename('/home/ada/p/x\n.tmp', '/home/ada/p/x\u001b[31m', { replaced: true });
    expect(renameDescription(save, 'replaced', HOME)).toBe('saved over by “x\\n.tmp” (same folder)');
    expect(renameDescription(save, 'movedAway', HOME)).toBe('moved to ~/p/x\\e[31m, replacing the file there');
  });

  it('shows the bytes of a destination that is not UTF-8 as \\x escapes', () => {
    const bytes = Buffer.concat([Buffer.from('/srv/bad'), Buffer.from([0xff])]);
    const event = rename('/home/ada/a', bytes.toString('utf8'), { movedToBytes: bytes.toString('base64') });
    expect(renameDescription(event, 'movedAway', HOME)).toBe('moved to /srv/bad\\xff');
  });

  it('says what a failed rename tried, and nothing of a replacement', () => {
    const failed = rename('/home/ada/a', '/home/ada/b', { result: -13, error: 'EACCES', replaced: false });
    expect(renameDescription(failed, 'movedAway', HOME)).toBe('tried to move to ~/b');
    // A failed exchange swapped nothing: its flags say what it asked.
    expect(
      renameDescription({ ...failed, exchanged: false, renameFlags: ['RENAME_EXCHANGE'] }, 'movedAway', HOME),
    ).toBe('tried to swap with ~/b');
  });
});

describe('homeShortened', () => {
  it('reads the home and what lies below it as ~', () => {
    expect(homeShortened('/home/ada', undefined, HOME)).toBe('~');
    expect(homeShortened('/home/ada/x/y', undefined, HOME)).toBe('~/x/y');
  });

  it('leaves a path outside the home, or beside it, as it is', () => {
    expect(homeShortened('/home/adam/x', undefined, HOME)).toBe('/home/adam/x');
    expect(homeShortened('/etc/x', undefined, HOME)).toBe('/etc/x');
    expect(homeShortened('/etc/x', undefined, undefined)).toBe('/etc/x');
  });

  it('does not shorten everything when the home is the root', () => {
    expect(homeShortened('/etc/x', undefined, '/')).toBe('/etc/x');
  });
});
