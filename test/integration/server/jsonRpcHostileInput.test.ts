// Whatever arrives on its stdin, the helper keeps serving: 10,000 generated
// messages (random bytes, truncated frames, wrong Content-Length, deep JSON,
// huge strings, JSON that is not JSON-RPC, and a wrong type for every field
// of every method) leave it answering trace/stats, with its memory back under
// its bound and its state intact.
import { ResponseError } from 'vscode-jsonrpc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ShutdownRequest, StartRequest, StatsRequest, StopRequest } from '../../../common/protocol';
import { initialize, residentBytes, spawnHelper, type HelperUnderTest } from '../../support/helperServer';
import { deleteFiles, makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';

/** The helper's bound: Node and V8 (about 50 MiB), the addon, and at most a few 1 MiB frames in flight. */
const MEMORY_BOUND_BYTES = 200 * 1024 * 1024;
const ROUNDS = 80;
const RAW_FRAMES_PER_ROUND = 50;
const WRONG_REQUESTS_PER_ROUND = 75;

/** mulberry32: the same messages on every run, so that a failure can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = randomSource(0x5eed);
const integer = (below: number): number => Math.floor(random() * below);
const pick = <T>(choices: readonly T[]): T => choices[integer(choices.length)];

function frame(body: string | Buffer, length = Buffer.byteLength(body)): Buffer {
  return Buffer.concat([Buffer.from(`Content-Length: ${length}\r\n\r\n`), Buffer.from(body)]);
}

/** A well-formed request whose answer no client waits for: its id is a string the connection never uses. */
function strayRequest(): string {
  return JSON.stringify({ jsonrpc: '2.0', id: `stray-${integer(1e9)}`, method: 'trace/stats' });
}

function randomString(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(integer(0x3000));
  return text;
}

function nested(depth: number): string {
  const open = Array.from({ length: depth }, () => pick(['[', '{"a":']));
  return (
    open.join('') +
    '1' +
    open
      .reverse()
      .map((bracket) => (bracket === '[' ? ']' : '}'))
      .join('')
  );
}

const RAW_KINDS: Record<string, () => Buffer> = {
  randomBytes: () => Buffer.from(Array.from({ length: 1 + integer(4096) }, () => integer(256))),
  truncatedFrame: () => {
    const whole = frame(strayRequest());
    return whole.subarray(0, 1 + integer(whole.length - 1));
  },
  contentLengthTooLarge: () => {
    const body = strayRequest();
    return frame(body, body.length + 1 + integer(300));
  },
  contentLengthTooSmall: () => {
    const body = strayRequest();
    return frame(body, 1 + integer(body.length - 1));
  },
  contentLengthNotANumber: () =>
    Buffer.from(
      `Content-Length: ${pick(['', 'abc', '-5', '1e3', '0x10', '12 3', '99999999999999'])}\r\n\r\n${strayRequest()}`,
    ),
  bodyAboveTheBound: () =>
    Buffer.from(`Content-Length: ${(1 << 20) + 1 + integer(1e9)}\r\n\r\n${'x'.repeat(integer(100_000))}`),
  deepJson: () =>
    frame(`{"jsonrpc":"2.0","id":"stray-deep","method":"trace/stats","params":{"a":${nested(33 + integer(100_000))}}}`),
  hugeString: () =>
    frame(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'stray-huge',
        method: 'trace/start',
        params: { scope: { paths: [randomString(100_000 + integer(300_000))] } },
      }),
    ),
  notJsonRpc: () =>
    frame(
      pick([
        '42',
        'null',
        '"text"',
        '[]',
        `[${strayRequest()}]`,
        '{}',
        '{"id":"stray","method":"trace/stats"}',
        '{"jsonrpc":"2.0","id":"stray","result":1}',
        '{"jsonrpc":"2.0","id":{},"method":"x"}',
      ]),
    ),
  notJson: () => frame(pick(['{', '}', '{"jsonrpc":', 'undefined', "{'a':1}", '\u0000\u0001'])),
  headerGarbage: () =>
    Buffer.from(
      pick([
        '\r\n\r\n',
        'Content-Type: x\r\n\r\n',
        'a\r\nb\r\n\r\n',
        'Content-Length: 5\r\nContent-Length: 6\r\n\r\n',
        ':\r\n\r\n',
      ]),
    ),
};

/** Values of every wrong type, some of them fresh each time. */
function wrongValues(): unknown[] {
  return [
    null,
    0,
    -integer(1e6),
    random() * 1e308,
    '',
    randomString(integer(50)),
    'relative/path',
    'x'.repeat(10_000 + integer(100_000)),
    [],
    [integer(10), randomString(3)],
    {},
    { [randomString(5)]: { b: integer(10) } },
    JSON.parse(nested(1 + integer(20))),
  ];
}

const BOOLEANS = [true, false];

/** [method, params] pairs, each with one field of a wrong type, that the helper must answer with -32602. */
function wrongRequest(): [string, unknown] {
  const value = pick(wrongValues());
  const flag = pick([...BOOLEANS, value]);
  const shapes: [string, unknown][] = [
    ['initialize', { protocolVersion: value }],
    ['initialize', { protocolVersion: 1, bogus: value }],
    ['initialize', [value]],
    ['trace/start', { scope: value }],
    ['trace/start', { scope: { paths: value } }],
    ['trace/start', { scope: { paths: [value] } }],
    ['trace/start', { scope: 'system', includeFailed: BOOLEANS.includes(flag as boolean) ? value : flag }],
    ['trace/start', { scope: { paths: ['/tmp'], bogus: value } }],
    ['trace/start', [value]],
    ['trace/setScope', { scope: value }],
    ['trace/setScope', { scope: { paths: value } }],
    ['trace/setScope', { scope: { paths: ['/tmp', value] } }],
    ['trace/setScope', { scope: 'system', bogus: value }],
    ['trace/stop', { bogus: value }],
    ['trace/stop', [value]],
    ['trace/stats', { bogus: value }],
    ['trace/stats', [value]],
    ['shutdown', { bogus: value }],
    ['shutdown', [value]],
  ];
  return pick(shapes);
}

let helper: HelperUnderTest;
let scratch: string;

beforeAll(() => {
  scratch = makeScratchDirectory();
  helper = spawnHelper();
});

afterAll(async () => {
  await helper.dispose();
  removeScratchDirectory(scratch);
});

function writeRaw(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    helper.child.stdin.write(bytes, (error) => (error ? reject(error) : resolve())),
  );
}

describe('10,000 hostile messages', () => {
  const answered = { stats: 0, invalidParams: 0, otherErrors: [] as string[] };

  it('leave the helper answering trace/stats after every round of them', async () => {
    await initialize(helper);
    const kinds = Object.values(RAW_KINDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < RAW_FRAMES_PER_ROUND; i++)
        await writeRaw(kinds[(round * RAW_FRAMES_PER_ROUND + i) % kinds.length]());
      const wrong = Array.from({ length: WRONG_REQUESTS_PER_ROUND }, () => wrongRequest());
      const outcomes = await Promise.allSettled(
        wrong.map(([method, params]) => helper.connection.sendRequest(method, params)),
      );
      outcomes.forEach((outcome, i) => {
        if (
          outcome.status === 'rejected' &&
          outcome.reason instanceof ResponseError &&
          outcome.reason.code === -32602
        ) {
          answered.invalidParams++;
        } else {
          answered.otherErrors.push(
            `${wrong[i][0]} ${JSON.stringify(wrong[i][1]).slice(0, 200)}: ${JSON.stringify(outcome).slice(0, 200)}`,
          );
        }
      });
      expect(await helper.connection.sendRequest(StatsRequest, {})).toMatchObject({ events: 0 });
      answered.stats++;
    }
    expect(answered.stats).toBe(ROUNDS);
  });

  it('answer a wrong type in every field of every method with invalid params (-32602)', () => {
    expect(answered.otherErrors).toEqual([]);
    expect(answered.invalidParams).toBe(ROUNDS * WRONG_REQUESTS_PER_ROUND);
  });

  it('get error answers for the malformed frames too', () => {
    const answersWithoutId = helper.clientLog.filter((line) => line.startsWith('Received response message without id'));
    expect(answersWithoutId.length).toBeGreaterThan(ROUNDS * RAW_FRAMES_PER_ROUND * 0.5);
  });

  it('leave its memory under the bound', () => {
    expect(residentBytes(helper.pid)).toBeLessThan(MEMORY_BOUND_BYTES);
  });

  it('leave its state intact: it still traces, stops and shuts down', async () => {
    await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    deleteFiles(scratch, 10);
    expect(await helper.connection.sendRequest(StopRequest, {})).toMatchObject({ events: 10, lost: 0 });
    expect(helper.deletions).toHaveLength(10);
    await helper.connection.sendRequest(ShutdownRequest, {});
    expect(await helper.exited).toEqual({ code: 0, signal: null });
  });
});
