// What the recorder's commands take from their command lines, the unit that
// install writes, and history/query's parameters: every wrong value refused
// with a sentence that names it, every default the one docs/flight-recorder.md says.
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc';
import { describe, expect, it } from 'vitest';

import { HISTORY_PAGE_MAX, RECORDER_DATABASE_DEFAULT, RECORDER_SOCKET_DEFAULT } from '../../../../common/protocol';
import { parseInstallArguments, parseUninstallArguments } from '../../../../helper/recorder/installCommands';
import { parseRecordArguments } from '../../../../helper/recorder/recordCommand';
import { admittedGroupsOf, admittedUidsOf, MEMORY_MAX, unitText } from '../../../../helper/recorder/systemdUnit';
import { validateHistory } from '../../../../helper/server/validation';

describe('record', () => {
  it('records into the defaults, admitting root only, as the syscall-trace account, keeping 30 days and 1,024 MiB', () => {
    expect(parseRecordArguments([], '/somewhere')).toEqual({
      database: RECORDER_DATABASE_DEFAULT,
      socket: RECORDER_SOCKET_DEFAULT,
      allowUids: [],
      allowGroups: [],
      user: 'syscall-trace',
      retainDays: 30,
      retainMib: 1024,
      attachMode: 'complete',
      queueMib: 64,
    });
  });

  it('takes paths relative to where it runs, and each --allow-uid once', () => {
    const options = parseRecordArguments(
      ['--db', 'd.db', '--socket', 's', '--allow-uid', '1000', '--allow-uid', '1000', '--allow-uid', '0'],
      '/here',
    );
    expect(options).toMatchObject({ database: '/here/d.db', socket: '/here/s', allowUids: [1000, 0] });
  });

  it('takes each --allow-group once, by name or by gid', () => {
    const options = parseRecordArguments(
      ['--allow-group', 'wheel', '--allow-group', '27', '--allow-group', 'wheel', '--allow-group', 'st_x.y-z'],
      '/',
    );
    expect(options.allowGroups).toEqual([{ name: 'wheel' }, { gid: 27 }, { name: 'st_x.y-z' }]);
  });

  it.each([
    [['--allow-uid', 'alice'], /--allow-uid must be a uid, a whole number from 0 to 4294967294, not "alice"/],
    [['--allow-uid', '4294967295'], /--allow-uid must be a uid/],
    [['--allow-group', 'machine$'], /--allow-group must be a group's name or gid, not "machine\$"/],
    [['--allow-group', 'a b'], /--allow-group must be a group's name or gid/],
    [['--allow-group=-wheel'], /--allow-group must be a group's name or gid/],
    [['--allow-group', '4294967295'], /--allow-group must be a group's name or gid/],
    [['--retain-days', '0'], /--retain-days must be a whole number from 1 to 36500, not "0"/],
    [['--retain-mib', '1.5'], /--retain-mib must be a whole number from 1 to/],
    [['--mode', 'fast'], /--mode must be complete, raw, tracepoint-without-32-bit, not "fast"/],
    [['--queue-mib', '0'], /--queue-mib must be a whole number from 1 to 4096/],
    [['--db', ''], /--db needs a path/],
    [['--user', '0'], /--user must be a user's name, not "0"/],
    [['--user', 'two words'], /--user must be a user's name, not "two words"/],
    [['--verbose'], /Unknown option '--verbose'/],
  ])('refuses %j', (args, message) => {
    expect(() => parseRecordArguments(args, '/')).toThrow(message);
  });
});

describe('install and uninstall', () => {
  it('install needs at least one --allow-uid or --allow-group, and copies the runtime running it unless told another', () => {
    expect(() => parseInstallArguments([], '/')).toThrow(/install needs --allow-uid or --allow-group/);
    expect(parseInstallArguments(['--allow-uid', '1000'], '/')).toEqual({
      allowUids: [1000],
      allowGroups: [],
      runtime: process.execPath,
      root: '/',
    });
    expect(parseInstallArguments(['--allow-uid', '1', '--runtime', 'node', '--root', 'r'], '/x')).toEqual({
      allowUids: [1],
      allowGroups: [],
      runtime: '/x/node',
      root: '/x/r',
    });
    expect(parseInstallArguments(['--allow-group', 'adm'], '/')).toEqual({
      allowUids: [],
      allowGroups: [{ name: 'adm' }],
      runtime: process.execPath,
      root: '/',
    });
  });

  it('uninstall keeps the history unless --delete-history', () => {
    expect(parseUninstallArguments([], '/')).toEqual({ deleteHistory: false, root: '/' });
    expect(parseUninstallArguments(['--delete-history'], '/')).toEqual({ deleteHistory: true, root: '/' });
    expect(() => parseUninstallArguments(['--all'], '/')).toThrow(/Unknown option '--all'/);
  });
});

describe('the unit', () => {
  const settings = {
    runtime: '/usr/bin/node',
    helper: '/usr/local/lib/syscall-trace/helper.js',
    database: '/var/lib/syscall-trace/deletions.db',
    socket: '/run/syscall-trace/recorder.sock',
    allowGroups: [],
  };

  it('runs the recorder with the uids it admits, and an install made again finds them there', () => {
    const unit = unitText({ ...settings, allowUids: [1000, 1001] });
    expect(unit).toContain(
      '\nExecStart=/usr/bin/node /usr/local/lib/syscall-trace/helper.js record --db /var/lib/syscall-trace/deletions.db --socket /run/syscall-trace/recorder.sock --allow-uid 1000 --allow-uid 1001\n',
    );
    expect(admittedUidsOf(unit)).toEqual([1000, 1001]);
    expect(admittedUidsOf(unitText({ ...settings, allowUids: [] }))).toEqual([]);
  });

  it('runs the recorder with the groups it admits, and an install made again finds them there', () => {
    const unit = unitText({ ...settings, allowUids: [1000], allowGroups: [{ name: 'adm' }, { gid: 27 }] });
    expect(unit).toMatch(/^ExecStart=.* --allow-uid 1000 --allow-group adm --allow-group 27$/m);
    expect(admittedGroupsOf(unit)).toEqual([{ name: 'adm' }, { gid: 27 }]);
    expect(admittedUidsOf(unit)).toEqual([1000]);
    expect(admittedGroupsOf(unitText({ ...settings, allowUids: [1000] }))).toEqual([]);
  });

  it("bounds the recorder's memory, and starts it again where the kernel killed it for passing the bound", () => {
    const unit = unitText({ ...settings, allowUids: [] });
    expect(unit).toMatch(new RegExp(`^MemoryMax=${MEMORY_MAX}$`, 'm'));
    // on-failure restarts after an OOM kill (result "oom-kill"); on-abort and on-abnormal would not.
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });

  it("gives the recorder no mount namespace of its own: every path stays the host's", () => {
    const unit = unitText({ ...settings, allowUids: [] });
    for (const option of [
      'ProtectSystem',
      'ProtectHome',
      'PrivateTmp',
      'ReadWritePaths',
      'PrivateDevices',
      'ProtectKernelTunables',
      'User',
    ]) {
      expect(unit).not.toMatch(new RegExp(`^${option}=`, 'm'));
    }
    expect(unit).toMatch(/^UMask=0077$/m);
  });

  it('refuses a path that systemd would split or expand', () => {
    expect(() => unitText({ ...settings, runtime: '/opt/my node/node', allowUids: [] })).toThrow(
      /cannot be written into a unit's command line/,
    );
    expect(() => unitText({ ...settings, runtime: '/opt/$HOME/node', allowUids: [] })).toThrow(
      /cannot be written into a unit's command line/,
    );
  });
});

describe('history/query parameters', () => {
  function refusal(params: unknown): string {
    try {
      validateHistory(params);
    } catch (error) {
      expect(error).toBeInstanceOf(ResponseError);
      expect((error as ResponseError<void>).code).toBe(ErrorCodes.InvalidParams);
      return (error as Error).message;
    }
    throw new Error('the parameters were accepted');
  }

  it('takes times with their zone, in milliseconds, and HISTORY_PAGE_MAX where no limit is given', () => {
    expect(validateHistory({ scope: 'system' })).toEqual({
      scope: 'system',
      limit: HISTORY_PAGE_MAX,
      includeFailed: false,
    });
    expect(
      validateHistory({
        scope: { paths: ['/a'] },
        since: '2025-01-31T12:00:00Z',
        until: '2025-01-31T13:00:00.500+01:00',
        before: 7,
        limit: 1,
        includeFailed: true,
      }),
    ).toEqual({
      scope: { paths: ['/a'] },
      sinceMs: Date.UTC(2025, 0, 31, 12),
      untilMs: Date.UTC(2025, 0, 31, 12, 0, 0, 500),
      before: 7,
      limit: 1,
      includeFailed: true,
    });
  });

  it.each([
    [undefined, /^history\/query: params.scope must be "system"/],
    [{ scope: { paths: ['relative'] } }, /params.scope.paths\[0\] must be an absolute path/],
    [{ scope: 'system', since: '2025-01-31' }, /params.since must be an ISO-8601 time with its zone/],
    [{ scope: 'system', until: '2025-13-01T00:00:00Z' }, /params.until must be an ISO-8601 time with its zone/],
    [
      { scope: 'system', since: 5 },
      /params.since must be an ISO-8601 time with its zone, like "2025-01-31T12:00:00Z", got number 5/,
    ],
    [
      { scope: 'system', since: '2025-02-01T00:00:00Z', until: '2025-01-31T00:00:00Z' },
      /params.since must not be later than params.until/,
    ],
    [{ scope: 'system', before: 0 }, /params.before must be a whole number of at least 1/],
    [{ scope: 'system', before: 2 ** 53 }, /params.before must be a whole number of at least 1/],
    [{ scope: 'system', limit: HISTORY_PAGE_MAX + 1 }, /params.limit must be a whole number from 1 to 10000/],
    [{ scope: 'system', limit: 2.5 }, /params.limit must be a whole number from 1 to 10000/],
    [{ scope: 'system', includeFailed: null }, /params.includeFailed must be true or false, got null/],
    [{ scope: 'system', path: '/a' }, /params has an unknown field "path"/],
  ])('refuses %j', (params, message) => {
    expect(refusal(params)).toMatch(message);
  });
});
