// File names may hold any byte but "/" and NUL: newlines, escape characters,
// bytes that are not UTF-8. Each is reported as it is, and where the bytes
// are not UTF-8 they travel alongside in pathBytes so that nothing is lost.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ATTACH_MODES, type DeletionEvent } from '../../../common/protocol';
import { run } from '../../support/programs';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';
import { killRunningTraces, traceWhile } from '../../support/traceCommand';

const INVALID_UTF8 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1
const INVALID_UTF8_DIRECTORY = Buffer.from([0x64, 0x69, 0x72, 0xff, 0xfe]);

/** The bytes of an event's path: pathBytes where the path is not UTF-8. */
function pathBytesOf(event: DeletionEvent): Buffer {
  return event.pathBytes !== undefined ? Buffer.from(event.pathBytes, 'base64') : Buffer.from(event.path);
}

describe.each(ATTACH_MODES)('unusual file names (%s mode)', (mode) => {
  let scratch: string;
  let events: DeletionEvent[];

  /** `parts` joined below the scratch directory, as bytes. */
  function entry(...parts: (string | Buffer)[]): Buffer {
    return Buffer.concat([Buffer.from(scratch), ...parts.flatMap((part) => [Buffer.from('/'), Buffer.from(part)])]);
  }

  function eventFor(...parts: (string | Buffer)[]): DeletionEvent | undefined {
    const expected = entry(...parts);
    return events.find((event) => pathBytesOf(event).equals(expected));
  }

  beforeAll(async () => {
    scratch = makeScratchDirectory();
    fs.mkdirSync(entry('names'));
    fs.writeFileSync(entry('names', 'line\nbreak'), '');
    fs.writeFileSync(entry('names', '\x1b[31mred'), '');
    fs.writeFileSync(entry('names', INVALID_UTF8), '');
    fs.mkdirSync(entry('names', INVALID_UTF8_DIRECTORY));
    fs.writeFileSync(entry('names', INVALID_UTF8_DIRECTORY, 'inside'), '');

    // rm reads the names from the directories, so they reach the kernel byte for byte.
    ({ events } = await traceWhile({ mode, paths: [scratch] }, () => run('rm', ['-r', 'names'], { cwd: scratch })));
  });
  afterAll(() => {
    killRunningTraces();
    removeScratchDirectory(scratch);
  });

  it('reports a name with a newline as it is', () => {
    const event = eventFor('names', 'line\nbreak');
    expect(event).toMatchObject({ path: `${scratch}/names/line\nbreak`, pathArg: 'line\nbreak', complete: true });
    expect(event).not.toHaveProperty('pathBytes');
  });

  it('reports a name with an escape character as it is', () => {
    const event = eventFor('names', '\x1b[31mred');
    expect(event).toMatchObject({ path: `${scratch}/names/\x1b[31mred`, pathArg: '\x1b[31mred', complete: true });
    expect(event).not.toHaveProperty('pathBytes');
  });

  it('carries the exact bytes of a name that is not UTF-8 in pathBytes', () => {
    const event = eventFor('names', INVALID_UTF8);
    expect(event).toBeDefined();
    expect(event!.pathBytes).toBe(entry('names', INVALID_UTF8).toString('base64'));
    // The text form stands in for the bytes it cannot show with U+FFFD.
    expect(event!.path).toBe(`${scratch}/names/caf\ufffd`);
  });

  it('carries the exact bytes of a path whose directory is not UTF-8', () => {
    const event = eventFor('names', INVALID_UTF8_DIRECTORY, 'inside');
    expect(event).toBeDefined();
    expect(event).toMatchObject({ pathArg: 'inside', complete: true });
    expect(event!.pathBytes).toBe(entry('names', INVALID_UTF8_DIRECTORY, 'inside').toString('base64'));
  });

  it('reports every entry, whatever its name', () => {
    expect(events).toHaveLength(6);
  });
});
