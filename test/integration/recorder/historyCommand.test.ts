// The history command (`node dist/helper.js history`) on a recording with a
// damaged row: it prints every deletion it can read, says on stderr how many
// it could not, and exits 0, rather than crashing on the first it cannot.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../common/protocol';
import { loadAddon } from '../../../helper/native';
import { Recording } from '../../../helper/recorder/recording';
import { deletion } from '../../support/deletionEvents';
import { HELPER_BUNDLE } from '../../support/helperServer';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';

let scratch: string;
beforeEach(() => (scratch = makeScratchDirectory()));
afterEach(() => removeScratchDirectory(scratch));

describe('the history command', () => {
  it('leaves out a damaged row, says so on stderr, and prints the rest', () => {
    const file = path.join(scratch, 'deletions.db');
    const recording = Recording.open({ file, retainDays: 30, retainBytes: 1 << 30 });
    const now = Date.now();
    recording.add(
      ['/w/a', '/w/b', '/w/c'].map((p, i) => deletion({ path: p, seq: i + 1, time: new Date(now + i).toISOString() })),
    );
    recording.close();
    const db = new (loadAddon().Database)(file);
    db.exec(`UPDATE deletions SET extra = '{"threadName": ' WHERE seq = 2`);
    db.close();

    const run = spawnSync(process.execPath, [HELPER_BUNDLE, 'history', '--db', file, '--jsonl'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const printed = run.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as DeletionEvent).path);
    expect(printed).toEqual(['/w/a', '/w/c']);
    expect(run.stderr).toBe(
      'syscall-trace: 1 recorded deletions could not be read (the recording is damaged there) and are left out\n',
    );
  });
});
