import { describe, expect, it } from 'vitest';

import { toCsv, toJson } from '../../../../extension/commands/exportFormats';
import { deletion, HOST_MOUNT_NAMESPACE, rename } from '../../../support/deletionEvents';

describe('export to JSON', () => {
  it('writes every event exactly as it arrived', () => {
    const events = [deletion({ path: '/tmp/a' }), deletion({ path: '/tmp/b\nc', pathBytes: 'L3RtcC9i/w==' })];
    expect(JSON.parse(toJson(events))).toEqual(events);
  });

  it('keeps a rename’s fields as they arrived, one event', () => {
    const events = [
      rename('/tmp/x.tmp', '/tmp/x', { replaced: true }),
      rename('/tmp/a', '/tmp/b', {
        replaced: undefined,
        replacedUnknown: true,
        exchanged: false,
        renameFlags: ['RENAME_NOREPLACE'],
      }),
    ];
    expect(JSON.parse(toJson(events))).toEqual(events);
  });

  it('keeps where a container’s process saw the file, its mount namespace and its container', () => {
    const events = [
      deletion({
        path: '/srv/app/x',
        processPath: '/app/x',
        mountNamespace: 4026532999,
        container: { engine: 'docker', id: '0123456789abcdef' },
      }),
    ];
    expect(JSON.parse(toJson(events))).toEqual(events);
  });
});

describe('export to CSV', () => {
  const rows = (csv: string) => csv.split('\r\n').filter((row) => row !== '');
  /** A cell of a row without quoted fields, by its column's name. */
  const cell = (header: string, row: string, name: string) => row.split(',')[header.split(',').indexOf(name)];

  it('writes a header and one row per deletion', () => {
    const csv = toCsv([deletion({ path: '/tmp/a', pid: 12, comm: 'rm', cmdline: ['rm', '/tmp/a'] })]);
    const [header, row] = rows(csv);
    expect(header.split(',')).toEqual([
      'seq',
      'time',
      'syscall',
      'abi',
      'directory',
      'path',
      'pathBytes',
      'pathArg',
      'complete',
      'processPath',
      'processPathBytes',
      'result',
      'error',
      'pid',
      'tid',
      'ppid',
      'uid',
      'cgroupId',
      'mountNamespace',
      'comm',
      'containerEngine',
      'containerId',
      'cmdline',
      'ancestors',
      'resultUnknown',
      'threadName',
      'movedTo',
      'movedToBytes',
      'movedToComplete',
      'replaced',
      'replacedUnknown',
      'exchanged',
      'renameFlags',
    ]);
    expect(row).toContain(',x86_64,false,/tmp/a,,a,true,,,0,,12,');
    expect(row).toContain(`,1,${HOST_MOUNT_NAMESPACE},rm,,,rm /tmp/a,`);
  });

  it('gives the path as the process saw it, its mount namespace and its container, one field each', () => {
    const event = deletion({
      path: '/srv/app/x',
      processPath: '/app/x',
      mountNamespace: 4026532999,
      container: { engine: 'podman', id: 'fedcba9876543210' },
    });
    expect(rows(toCsv([event]))[1]).toContain(',/srv/app/x,,x,true,/app/x,,0,');
    expect(rows(toCsv([event]))[1]).toContain(',4026532999,rm,podman,fedcba9876543210,');
  });

  it('quotes a field with commas, quotes or newlines, doubling its quotes', () => {
    expect(toCsv([deletion({ path: '/tmp/a,"b"\nc' })])).toContain(',"/tmp/a,""b""\nc",');
  });

  it('keeps a spreadsheet from running a field as a formula', () => {
    expect(toCsv([deletion({ path: '/tmp/x', comm: '=HYPERLINK("http://x")' })])).toContain(
      `"'=HYPERLINK(""http://x"")"`,
    );
  });

  it('keeps the exact ISO time, whatever the view shows', () => {
    expect(rows(toCsv([deletion({ path: '/tmp/x', time: '2026-11-24T12:00:00.123Z' })]))[1]).toContain(
      ',2026-11-24T12:00:00.123Z,',
    );
  });

  it('gives a rename’s destination and what became of a file there, one column each, after the older columns', () => {
    const [header, moved, swapped, plain] = rows(
      toCsv([
        rename('/tmp/x.tmp', '/tmp/x', { replaced: true }),
        rename('/tmp/a', '/tmp/b', {
          syscall: 'renameat2',
          replaced: false,
          exchanged: true,
          renameFlags: ['RENAME_EXCHANGE'],
        }),
        deletion({ path: '/tmp/gone' }),
      ]),
    );
    const column = (row: string, name: string) => cell(header, row, name);
    expect(
      ['movedTo', 'movedToComplete', 'replaced', 'replacedUnknown', 'exchanged', 'renameFlags'].map((name) =>
        column(moved, name),
      ),
    ).toEqual(['/tmp/x', 'true', 'true', '', '', '']);
    expect(['movedTo', 'replaced', 'exchanged', 'renameFlags'].map((name) => column(swapped, name))).toEqual([
      '/tmp/b',
      'false',
      'true',
      'RENAME_EXCHANGE',
    ]);
    expect(['movedTo', 'replaced', 'exchanged'].map((name) => column(plain, name))).toEqual(['', '', '']);
    expect(column(moved, 'path')).toBe('/tmp/x.tmp');
  });

  it('says a rename may have replaced a file where the kernel could not tell', () => {
    const [header, row] = rows(toCsv([rename('/tmp/a', '/tmp/b', { replaced: undefined, replacedUnknown: true })]));
    expect([cell(header, row, 'replaced'), cell(header, row, 'replacedUnknown')]).toEqual(['', 'true']);
  });

  it('leaves a negative result a number', () => {
    expect(rows(toCsv([deletion({ path: '/tmp/x', result: -2, error: 'ENOENT' })]))[1]).toContain(',-2,ENOENT,');
  });
});
