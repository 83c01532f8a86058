// What the helper reads about its own privileges, and what it decides from it.
import { describe, expect, it } from 'vitest';

import {
  CAP_BPF,
  CAP_PERFMON,
  capabilitiesNeededAfterAttach,
  capabilitiesToAttachAgain,
  missingTracingPrivileges,
  parseStatus,
  userWhoAsked,
  type ThreadCredentials,
} from '../../helper/privileges';

const STATUS = `Name:\tnode
Uid:\t1000\t1000\t1000\t1000
Gid:\t100\t100\t100\t100
CapInh:\t0000000000000000
CapPrm:\t000000c000000000
CapEff:\t000000c000000000
CapBnd:\t000001ffffffffff
CapAmb:\t0000000000000000
`;

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nann:x:1000:1001:Ann:/home/ann:/bin/bash\n';

function withEffective(effective: bigint): ThreadCredentials {
  return { uid: 1000, gid: 1000, permitted: effective, effective, bounding: 0n };
}

describe('parseStatus', () => {
  it('reads the real uid and gid and the capability sets of /proc/<pid>/status', () => {
    expect(parseStatus(STATUS)).toEqual({
      uid: 1000,
      gid: 100,
      permitted: 0xc000000000n,
      effective: 0xc000000000n,
      bounding: 0x1ffffffffffn,
    });
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
    expect(capabilitiesToAttachAgain('raw')).toEqual([]);
  });

  it('is CAP_PERFMON in tracepoint mode, which opens perf events at each attach', () => {
    expect(capabilitiesToAttachAgain('tracepoint')).toEqual([CAP_PERFMON]);
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
