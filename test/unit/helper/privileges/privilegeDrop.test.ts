// What the helper reads about its own privileges, and what it decides from it.
import { describe, expect, it } from 'vitest';

import {
  CAP_BPF,
  CAP_PERFMON,
  capabilitiesNeededAfterAttach,
  capabilitiesToAttachAgain,
  keepsTracepointEvents,
  missingTracingPrivileges,
  parseStatus,
  privilegesLeftOver,
  userWhoAsked,
  type ThreadCredentials,
} from '../../../../helper/privileges/privilegeDrop';

const STATUS = `Name:\tnode
Uid:\t1000\t1000\t1000\t1000
Gid:\t100\t100\t100\t100
Groups:\t100 27 
NoNewPrivs:\t0
CapInh:\t0000000000000000
CapPrm:\t000000c000000000
CapEff:\t000000c000000000
CapBnd:\t000001ffffffffff
CapAmb:\t0000000000000000
`;

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nann:x:1000:1001:Ann:/home/ann:/bin/bash\n';

/** A thread that gave up everything and became uid 1000, group 1000. */
const DROPPED: ThreadCredentials = {
  uid: 1000,
  gid: 1000,
  uids: [1000, 1000, 1000, 1000],
  gids: [1000, 1000, 1000, 1000],
  groups: [1000],
  permitted: 0n,
  effective: 0n,
  inheritable: 0n,
  bounding: 0n,
  ambient: 0n,
  noNewPrivileges: true,
};

function withEffective(effective: bigint): ThreadCredentials {
  return { ...DROPPED, permitted: effective, effective };
}

describe('parseStatus', () => {
  it('reads the ids, groups, capability sets and no_new_privs of /proc/<pid>/status', () => {
    expect(parseStatus(STATUS)).toEqual({
      uid: 1000,
      gid: 100,
      uids: [1000, 1000, 1000, 1000],
      gids: [100, 100, 100, 100],
      groups: [100, 27],
      permitted: 0xc000000000n,
      effective: 0xc000000000n,
      inheritable: 0n,
      bounding: 0x1ffffffffffn,
      ambient: 0n,
      noNewPrivileges: false,
    });
  });

  it('reads an empty Groups line as no group', () => {
    expect(parseStatus(STATUS.replace('Groups:\t100 27 ', 'Groups:\t')).groups).toEqual([]);
  });
});

describe('privilegesLeftOver', () => {
  const asUser = { kept: 0n, user: { uid: 1000, gid: 1000 }, boundingShrunk: true };
  const perfmon = 1n << 38n;

  it('finds nothing in a thread that gave up everything', () => {
    expect(privilegesLeftOver(DROPPED, asUser)).toBeUndefined();
  });

  it('allows exactly the kept capabilities in the permitted, effective and bounding sets', () => {
    const keeping = { ...DROPPED, permitted: perfmon, effective: perfmon, bounding: perfmon };
    expect(privilegesLeftOver(keeping, { ...asUser, kept: perfmon })).toBeUndefined();
    expect(privilegesLeftOver(keeping, asUser)).toBe(
      'permitted capabilities 0x4000000000, effective capabilities 0x4000000000, bounding set 0x4000000000',
    );
  });

  it('allows no inheritable or ambient capability, not even a kept one', () => {
    expect(
      privilegesLeftOver({ ...DROPPED, inheritable: perfmon, ambient: perfmon }, { ...asUser, kept: perfmon }),
    ).toBe('inheritable capabilities 0x4000000000, ambient capabilities 0x4000000000');
  });

  it('names any id, group or missing no_new_privs that differs from the user it became', () => {
    const halfway = {
      ...DROPPED,
      uids: [1000, 1000, 0, 1000],
      gids: [1000, 0, 1000, 1000],
      groups: [1000, 27],
      noNewPrivileges: false,
    };
    expect(privilegesLeftOver(halfway, asUser)).toBe(
      'uids 1000 1000 0 1000 (expected 1000), gids 1000 0 1000 1000 (expected 1000), groups 1000 27 (expected 1000 alone), no no_new_privs',
    );
  });

  it('ignores the ids of a thread that kept its user, and a bounding set it could not shrink', () => {
    const unprivileged = { ...DROPPED, uids: [7, 7, 7, 7], groups: [7, 27], bounding: 0x1ffffffffffn };
    expect(privilegesLeftOver(unprivileged, { kept: 0n, boundingShrunk: false })).toBeUndefined();
  });
});

describe('missingTracingPrivileges', () => {
  it('is satisfied by CAP_BPF with CAP_PERFMON', () => {
    expect(missingTracingPrivileges(withEffective((1n << 39n) | (1n << 38n)))).toBeUndefined();
  });

  it('is satisfied by CAP_SYS_ADMIN alone', () => {
    expect(missingTracingPrivileges(withEffective(1n << 21n))).toBeUndefined();
  });

  it('says in one sentence what is missing when CAP_PERFMON is', () => {
    expect(missingTracingPrivileges(withEffective(1n << 39n))).toBe(
      'Tracing deletions needs root, or the CAP_BPF and CAP_PERFMON capabilities, and this helper (uid 1000) has neither.',
    );
  });
});

describe('userWhoAsked', () => {
  const passwd = (): string => PASSWD;

  it('is the sudo user, with the sudo group', () => {
    expect(userWhoAsked({ SUDO_UID: '1000', SUDO_GID: '1000' }, passwd)).toEqual({ uid: 1000, gid: 1000 });
  });

  it('is the pkexec user, with the primary group from /etc/passwd', () => {
    expect(userWhoAsked({ PKEXEC_UID: '1000' }, passwd)).toEqual({ uid: 1000, gid: 1001 });
  });

  it('is no one when root asked through sudo', () => {
    expect(userWhoAsked({ SUDO_UID: '0', SUDO_GID: '0' }, passwd)).toBeUndefined();
  });

  it.each([['-1'], ['1000abc'], [''], ['99999999999']])('is no one when SUDO_UID is %j', (uid) => {
    expect(userWhoAsked({ SUDO_UID: uid }, passwd)).toBeUndefined();
  });

  it('is no one when neither sudo nor pkexec started it', () => {
    expect(userWhoAsked({}, passwd)).toBeUndefined();
  });
});

describe('capabilitiesToAttachAgain', () => {
  it('is nothing in raw mode: a loaded raw_tp program attaches again through its fd', () => {
    expect(capabilitiesToAttachAgain({ mode: 'raw', tracepointEventsKept: false })).toEqual([]);
  });

  it('is CAP_PERFMON in tracepoint mode where it opens perf events at each attach', () => {
    expect(capabilitiesToAttachAgain({ mode: 'tracepoint', tracepointEventsKept: false })).toEqual([CAP_PERFMON]);
  });

  it('is nothing in tracepoint mode where the perf events were opened at the load and are kept', () => {
    expect(capabilitiesToAttachAgain({ mode: 'tracepoint', tracepointEventsKept: true })).toEqual([]);
  });
});

describe('keepsTracepointEvents', () => {
  it('reopens them at each attach where kernel.perf_event_paranoid is below 3, as upstream kernels default to', () => {
    for (const level of ['-1\n', '0\n', '1\n', '2\n']) expect(keepsTracepointEvents(level)).toBe(false);
  });

  it('keeps them where it is 3 or more: Debian and Ubuntu then ask for CAP_SYS_ADMIN to open one', () => {
    expect(keepsTracepointEvents('3\n')).toBe(true);
    expect(keepsTracepointEvents('4')).toBe(true);
  });

  it('keeps them where it cannot be read: that works whatever the rule', () => {
    expect(keepsTracepointEvents(undefined)).toBe(true);
    expect(keepsTracepointEvents('')).toBe(true);
  });
});

describe('capabilitiesNeededAfterAttach', () => {
  it('is nothing from Linux 6.5 on', () => {
    expect(capabilitiesNeededAfterAttach('6.18.44-fc-v669', '2')).toEqual([]);
    expect(capabilitiesNeededAfterAttach('6.5.0', '1')).toEqual([]);
  });

  it('is CAP_BPF before 6.5 where unprivileged BPF is disabled', () => {
    expect(capabilitiesNeededAfterAttach('6.1.0-18-amd64', '2\n')).toEqual([CAP_BPF]);
  });

  it('is nothing before 6.5 where unprivileged BPF is allowed', () => {
    expect(capabilitiesNeededAfterAttach('5.15.0-91-generic', '0\n')).toEqual([]);
  });
});
