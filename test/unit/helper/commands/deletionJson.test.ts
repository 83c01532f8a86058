// The --jsonl line, written field by field (helper/commands/deletionJson.ts), is
// what JSON.stringify() would make of the event: every field, each escaped
// as JSON must.
import { describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../../common/protocol';
import { DELETION_JSON_FIELDS, deletionJson } from '../../../../helper/commands/deletionJson';
import { deletion } from '../../../support/deletionEvents';

// Fails to compile when DeletionEvent gains a field the line does not write.
type Unwritten = Exclude<keyof DeletionEvent, (typeof DELETION_JSON_FIELDS)[number]>;
const everyFieldWritten: [Unwritten] extends [never] ? true : Unwritten = true;

const everything: DeletionEvent = deletion({
  path: '/home/alice/"quoted"\\back\n\u0001\u007f é \ud83d\ude00 <b>x</b>',
  pathBytes: 'L2hvbWUv/w==',
  pathArg: 'a\tb',
  processPath: '/workspace/"x"',
  processPathBytes: 'L3dvcmtzcGFjZQ==',
  container: { engine: 'docker', id: 'abc' },
  result: -13,
  resultUnknown: true,
  error: 'EACCES',
  comm: 'r"m',
  threadName: 'worker\u0000',
  cmdline: ['rm', '-r', 'a "b"'],
  ancestors: [{ pid: 1, comm: 'init' }],
  movedTo: '/home/alice/"new"\n\u0002 <i>y</i>',
  movedToBytes: 'L2hvbWUv/g==',
  movedToComplete: false,
  replaced: true,
  replacedUnknown: true,
  exchanged: false,
  renameFlags: ['RENAME_NOREPLACE', 'RENAME_WHITEOUT'],
});

describe('deletionJson', () => {
  it('writes every field of an event that has them all, as JSON.stringify would', () => {
    expect(everyFieldWritten).toBe(true);
    expect(Object.keys(everything).sort()).toEqual([...DELETION_JSON_FIELDS].sort());
    const line = deletionJson(everything);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ type: 'deletion', ...everything });
  });

  it('leaves out the optional fields an event does not have', () => {
    const plain = deletion({ path: '/tmp/x' });
    expect(JSON.parse(deletionJson(plain))).toEqual({ type: 'deletion', ...plain });
  });

  it('escapes a lone surrogate as JSON.stringify does', () => {
    const event = deletion({ path: '/tmp/\ud800' });
    expect(deletionJson(event)).toContain(JSON.stringify('/tmp/\ud800'));
  });
});
