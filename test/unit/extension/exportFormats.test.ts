import { describe, expect, it } from 'vitest';

import { toCsv, toJson } from '../../../extension/exportFormats';
import { deletion } from './deletions';

describe('export to JSON', () => {
  it('writes every event exactly as it arrived', () => {
    const events = [deletion({ path: '/tmp/a' }), deletion({ path: '/tmp/b\nc', pathBytes: 'L3RtcC9i/w==' })];
    expect(JSON.parse(toJson(events))).toEqual(events);
  });
});

describe('export to CSV', () => {
  const rows = (csv: string) => csv.split('\r\n').filter((row) => row !== '');

  it('writes a header and one row per deletion', () => {
    const csv = toCsv([deletion({ path: '/tmp/a', pid: 12, comm: 'rm', cmdline: ['rm', '/tmp/a'] })]);
    const [header, row] = rows(csv);
    expect(header.split(',')).toEqual([
      'seq', 'time', 'syscall', 'abi', 'directory', 'path', 'pathBytes', 'pathArg', 'complete', 'result', 'error',
      'pid', 'tid', 'ppid', 'uid', 'cgroupId', 'comm', 'cmdline', 'ancestors',
    ]);
    expect(row).toContain(',x86_64,false,/tmp/a,,a,true,0,,12,');
    expect(row).toContain(',rm,rm /tmp/a,');
  });

  it('quotes a field with commas, quotes or newlines, doubling its quotes', () => {
    expect(toCsv([deletion({ path: '/tmp/a,"b"\nc' })])).toContain(',"/tmp/a,""b""\nc",');
  });

  it('keeps a spreadsheet from running a field as a formula', () => {
    expect(toCsv([deletion({ path: '/tmp/x', comm: '=HYPERLINK("http://x")' })])).toContain(`"'=HYPERLINK(""http://x"")"`);
  });

  it('keeps the exact ISO time, whatever the view shows', () => {
    expect(rows(toCsv([deletion({ path: '/tmp/x', time: '2026-11-24T12:00:00.123Z' })]))[1]).toContain(',2026-11-24T12:00:00.123Z,');
  });

  it('leaves a negative result a number', () => {
    expect(rows(toCsv([deletion({ path: '/tmp/x', result: -2, error: 'ENOENT' })]))[1]).toContain(',-2,ENOENT,');
  });
});
