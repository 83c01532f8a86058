// Who belongs to a group of --allow-group, as the recorder reads it from
// /etc/passwd and /etc/group at each connection, and how install and the
// log say who is admitted to what.
import { describe, expect, it } from 'vitest';

import { describeAccess, isMemberOfAny, parseGroup, type AccountFiles } from '../../../../helper/recorder/groups';

const files: AccountFiles = {
  passwd: [
    'root:x:0:0:root:/root:/bin/bash',
    'ada:x:1000:1000:Ada:/home/ada:/bin/bash',
    'bob:x:1001:1001::/home/bob:/bin/sh',
    'eve:x:1002:27::/home/eve:/bin/sh',
    '# a comment:x:1003:1003::/:/bin/sh',
    '',
  ].join('\n'),
  group: ['root:x:0:', 'sudo:x:27:ada', 'adm:x:4:bob,ada', 'ada:x:1000:', 'bob:x:1001:', 'audit:x:2000:adam', ''].join(
    '\n',
  ),
};

describe('membership of the groups of --allow-group', () => {
  it("counts a user listed in the group's line of /etc/group", () => {
    expect(isMemberOfAny(1001, [{ name: 'adm' }], files)).toBe(true);
    expect(isMemberOfAny(1000, [{ gid: 4 }], files)).toBe(true);
  });

  it('counts a user whose primary group it is, listed or not, by name or by gid', () => {
    expect(isMemberOfAny(1002, [{ name: 'sudo' }], files)).toBe(true);
    expect(isMemberOfAny(1002, [{ gid: 27 }], files)).toBe(true);
  });

  it('counts a primary gid given as a number that /etc/group has no line for', () => {
    const noGroupLine = { ...files, group: '' };
    expect(isMemberOfAny(1001, [{ gid: 1001 }], noGroupLine)).toBe(true);
    expect(isMemberOfAny(1001, [{ name: 'bob' }], noGroupLine)).toBe(false);
  });

  it("does not count a user of another group, nor one whose name only begins like a member's", () => {
    expect(isMemberOfAny(1001, [{ name: 'sudo' }], files)).toBe(false);
    expect(isMemberOfAny(1000, [{ name: 'audit' }], files)).toBe(false);
    expect(isMemberOfAny(1000, [{ name: 'nosuchgroup' }, { gid: 4242 }], files)).toBe(false);
  });

  it('counts no one for no group, and no uid that /etc/passwd does not name', () => {
    expect(isMemberOfAny(1000, [], files)).toBe(false);
    expect(isMemberOfAny(4242, [{ name: 'adm' }, { gid: 4242 }], files)).toBe(false);
    // A comment line is no user: its third field looks like a uid.
    expect(isMemberOfAny(1003, [{ gid: 1003 }], files)).toBe(false);
  });

  it('takes a group as a name or a gid, and refuses what could be neither', () => {
    expect(parseGroup('--allow-group', 'wheel')).toEqual({ name: 'wheel' });
    expect(parseGroup('--allow-group', '0')).toEqual({ gid: 0 });
    expect(() => parseGroup('--allow-group', '')).toThrow(/--allow-group must be a group's name or gid, not ""/);
    expect(() => parseGroup('--allow-group', 'wheel:x')).toThrow(/must be a group's name or gid/);
  });
});

describe('who is admitted to what, in words', () => {
  it("says whom it shows every user's deletions and whom their own", () => {
    expect(describeAccess([], [])).toBe("admits root only (every user's deletions)");
    expect(describeAccess([1000, 1001], [])).toBe(
      "admits root (every user's deletions) and uid 1000, 1001 (their own processes' deletions)",
    );
    expect(describeAccess([1000], [{ name: 'adm' }, { gid: 27 }])).toBe(
      "admits root and the members of group adm, gid 27 (every user's deletions) and uid 1000 (their own processes' deletions)",
    );
  });
});
