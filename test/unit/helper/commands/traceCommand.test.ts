// The terminal command's arguments and its human-readable lines (helper/commands/traceCommand.ts).
import { describe, expect, it } from 'vitest';

import { formatDeletionJson, formatDeletionLine, parseTraceArguments } from '../../../../helper/commands/traceCommand';
import { deletion } from '../../../support/deletionEvents';

describe('parseTraceArguments', () => {
  it('traces the whole system, successful deletions only, as text by default', () => {
    expect(parseTraceArguments([], '/work')).toEqual({ jsonl: false, scope: 'system', includeFailed: false });
  });

  it('takes --jsonl and --failed', () => {
    expect(parseTraceArguments(['--jsonl', '--failed'], '/work')).toEqual({
      jsonl: true,
      scope: 'system',
      includeFailed: true,
    });
  });

  it('scopes to each --path, relative ones resolved against the working directory', () => {
    expect(parseTraceArguments(['--path', '/srv/data', '--path', 'build/../out'], '/work').scope).toEqual({
      paths: ['/srv/data', '/work/out'],
    });
  });

  it('takes --path=DIR', () => {
    expect(parseTraceArguments(['--path=/srv'], '/work').scope).toEqual({ paths: ['/srv'] });
  });

  it('takes --queue-mib as a whole number of MiB, and refuses anything else', () => {
    expect(parseTraceArguments(['--queue-mib', '256'], '/work').queueMib).toBe(256);
    expect(parseTraceArguments([], '/work')).not.toHaveProperty('queueMib');
    for (const wrong of ['0', '-1', '1.5', '4097', 'lots', '']) {
      expect(() => parseTraceArguments(['--queue-mib', wrong], '/work')).toThrow(/--queue-mib/);
    }
  });

  it('refuses an unknown option', () => {
    expect(() => parseTraceArguments(['--fail'], '/work')).toThrow(/--fail/);
  });

  it('refuses an argument that is no option', () => {
    expect(() => parseTraceArguments(['/tmp'], '/work')).toThrow();
  });

  it('takes --mode complete, raw or tracepoint-without-32-bit, and leaves the mode to the helper without it', () => {
    expect(parseTraceArguments(['--mode', 'tracepoint-without-32-bit'], '/work').attachMode).toBe(
      'tracepoint-without-32-bit',
    );
    expect(parseTraceArguments(['--mode', 'complete'], '/work').attachMode).toBe('complete');
    expect(parseTraceArguments(['--mode=raw'], '/work').attachMode).toBe('raw');
    expect(parseTraceArguments([], '/work')).not.toHaveProperty('attachMode');
  });

  it('refuses a mode it does not have, naming the ones it has', () => {
    expect(() => parseTraceArguments(['--mode', 'kprobe'], '/work')).toThrow(
      '--mode must be complete, raw, tracepoint-without-32-bit, not "kprobe"',
    );
  });

  it('refuses --path without a directory', () => {
    expect(() => parseTraceArguments(['--path'], '/work')).toThrow();
    expect(() => parseTraceArguments(['--path', ''], '/work')).toThrow(/--path needs a directory/);
  });
});

describe('formatDeletionLine', () => {
  const event = deletion({
    time: '2025-01-02T03:04:05.678Z',
    pid: 4242,
    comm: 'rm',
    result: 0,
    path: '/home/alice/notes.txt',
  });

  it('shows time, pid, comm, result and path', () => {
    expect(formatDeletionLine(event)).toBe(
      '2025-01-02T03:04:05.678Z    4242 rm              ok      /home/alice/notes.txt',
    );
  });

  it('shows the errno name of a failed deletion', () => {
    expect(formatDeletionLine({ ...event, result: -2, error: 'ENOENT' })).toContain(' ENOENT  /home/alice/notes.txt');
  });

  it('says the result is unknown where io_uring posted none, never ok', () => {
    expect(formatDeletionLine({ ...event, resultUnknown: true })).toContain(' unknown /home/alice/notes.txt');
  });

  it('ends a directory with a slash', () => {
    expect(formatDeletionLine({ ...event, directory: true, path: '/home/alice/docs' })).toMatch(
      / \/home\/alice\/docs\/$/,
    );
  });

  it('keeps a name with a newline or an escape character on one visible line', () => {
    const line = formatDeletionLine({ ...event, path: '/tmp/a\nb\x1b[2J', comm: 'evil\ncomm' });
    // eslint-disable-next-line no-control-regex -- an escape character must not be on the line
    expect(line).not.toMatch(/[\n\x1b]/);
    expect(line).toContain('/tmp/a\\nb\\e[2J');
    expect(line).toContain('evil\\ncomm');
  });

  it('shows the exact bytes of a path that is not UTF-8', () => {
    const bytes = Buffer.from([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x63, 0xe9]);
    const line = formatDeletionLine({ ...event, path: bytes.toString(), pathBytes: bytes.toString('base64') });
    expect(line.endsWith(' /tmp/c\\xe9')).toBe(true);
  });

  const rename = {
    ...event,
    syscall: 'renameat' as const,
    comm: 'mv',
    path: '/home/alice/new.txt',
    movedTo: '/home/alice/notes.txt',
    movedToComplete: true,
  };

  it('shows a rename with where it went and what it replaced', () => {
    expect(formatDeletionLine({ ...rename, replaced: true, exchanged: false })).toMatch(
      / ok {6}\/home\/alice\/new\.txt -> \/home\/alice\/notes\.txt \[replaced\]$/,
    );
    expect(formatDeletionLine({ ...rename, replaced: false, exchanged: false })).toMatch(/ \/home\/alice\/notes\.txt$/);
    expect(formatDeletionLine({ ...rename, replacedUnknown: true, exchanged: false })).toMatch(
      / \[may have replaced\]$/,
    );
    expect(formatDeletionLine({ ...rename, replaced: false, exchanged: true })).toMatch(/ \[exchanged\]$/);
  });

  it("shows a rename's destination as a path is shown: escaped, from its bytes where not UTF-8", () => {
    const bytes = Buffer.from([0x2f, 0x74, 0x2f, 0xff, 0x0a]);
    const line = formatDeletionLine({
      ...rename,
      replaced: false,
      movedTo: bytes.toString(),
      movedToBytes: bytes.toString('base64'),
    });
    expect(line).not.toContain('\n');
    expect(line.endsWith(' -> /t/\\xff\\n')).toBe(true);
  });
});

describe('formatDeletionJson', () => {
  const event = deletion({
    path: '/home/alice/"quoted"\n.txt',
    result: -13,
    error: 'EACCES',
    cmdline: ['rm', '-r', 'a "b"'],
    ancestors: [{ pid: 1, comm: 'init' }],
  });

  it('is one line of JSON: the type, then every field of the event', () => {
    const line = formatDeletionJson(event);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ type: 'deletion', ...event });
  });

  it('gives each event its own process, however many events share one', () => {
    const other = { ...event, pid: 99, cmdline: ['find', '-delete'], ancestors: [] };
    expect(JSON.parse(formatDeletionJson(event)).cmdline).toEqual(['rm', '-r', 'a "b"']);
    expect(JSON.parse(formatDeletionJson(other))).toMatchObject({
      pid: 99,
      cmdline: ['find', '-delete'],
      ancestors: [],
    });
    expect(JSON.parse(formatDeletionJson({ ...event, seq: 8 }))).toMatchObject({
      seq: 8,
      cmdline: ['rm', '-r', 'a "b"'],
    });
  });
});
