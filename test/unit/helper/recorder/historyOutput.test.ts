// What the history command prints: each recorded deletion, a rename with
// every field, handed whole to the trace command's formatters (the line and
// the --jsonl line), so that history prints what the live trace printed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { DeletionEvent } from '../../../../common/protocol';
import { formatDeletionJson, formatDeletionLine } from '../../../../helper/commands/traceCommand';
import { printHistory } from '../../../../helper/recorder/historyCommand';
import { Recording } from '../../../../helper/recorder/recording';
import { deletion } from '../../../support/deletionEvents';
import { rename } from '../../../support/renameEvents';

// The formatters are another part's: here, only what they are handed counts.
vi.mock('../../../../helper/commands/traceCommand', () => ({
  formatDeletionLine: vi.fn((event: DeletionEvent) => `line ${event.seq}`),
  formatDeletionJson: vi.fn((event: DeletionEvent) => `json ${event.seq}`),
}));

let scratch: string;
let file: string;
let printed: string;

// Now: the recording deletes what is older than its days as it opens.
const recorded: DeletionEvent[] = [
  deletion({ seq: 1, path: '/w/gone' }),
  rename({ seq: 2, path: '/v/draft', movedTo: '/w/final', replaced: true }),
  rename({
    seq: 3,
    path: '/w/a\nb',
    movedTo: '/v/\ufffd',
    movedToBytes: Buffer.from('/v/\xff', 'latin1').toString('base64'),
    syscall: 'renameat2',
    exchanged: true,
    replaced: false,
    renameFlags: ['RENAME_EXCHANGE'],
  }),
  rename({ seq: 4, path: '/v/x', movedTo: '/v/y', replacedUnknown: true }),
].map((event) => ({ ...event, time: new Date(Date.now() + event.seq).toISOString() }));

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'history-output-'));
  file = path.join(scratch, 'deletions.db');
  const recording = Recording.open({ file, retainDays: 30, retainBytes: 1 << 30 });
  recording.add(recorded);
  recording.close();
  printed = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => {
    printed += String(text);
    return true;
  });
  vi.mocked(formatDeletionLine).mockClear();
  vi.mocked(formatDeletionJson).mockClear();
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the history command', () => {
  it('hands each deletion of the folder, renames into it and out of it too, whole to the line formatter', async () => {
    const { count } = await printHistory({ db: file, scope: { paths: ['/w'] }, includeFailed: false, jsonl: false });
    expect(count).toBe(3);
    expect(printed).toBe('line 1\nline 2\nline 3\n');
    expect(vi.mocked(formatDeletionLine).mock.calls.map(([event]) => event)).toStrictEqual(recorded.slice(0, 3));
    expect(formatDeletionJson).not.toHaveBeenCalled();
  });

  it('hands each deletion whole to the --jsonl formatter', async () => {
    await printHistory({ db: file, scope: 'system', includeFailed: false, jsonl: true });
    expect(printed).toBe('json 1\njson 2\njson 3\njson 4\n');
    expect(vi.mocked(formatDeletionJson).mock.calls.map(([event]) => event)).toStrictEqual(recorded);
  });
});
