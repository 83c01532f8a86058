// The helper's reader of Content-Length frames: it hands on every well-formed
// request, answers for every malformed one, holds no more than its bounds,
// and finds the next frame after a broken one.
import { PassThrough } from 'node:stream';
import type { Message } from 'vscode-jsonrpc';
import { describe, expect, it } from 'vitest';

import {
  FramedMessageReader,
  INVALID_REQUEST,
  MAX_BODY_BYTES,
  PARSE_ERROR,
  contentLength,
  nestingDepth,
  type MalformedMessage,
} from '../../../../helper/server/framedMessageReader';

function frame(body: string, length = Buffer.byteLength(body)): string {
  return `Content-Length: ${length}\r\n\r\n${body}`;
}

function request(id: number): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'trace/stats' });
}

/** Feeds the chunks to a reader and returns what it handed on and what it reported. */
function read(...chunks: (string | Buffer)[]): { messages: Message[]; malformed: MalformedMessage[] } {
  const reader = new FramedMessageReader(new PassThrough());
  const messages: Message[] = [];
  const malformed: MalformedMessage[] = [];
  reader.onMalformedMessage((problem) => malformed.push(problem));
  for (const chunk of chunks) reader.receive(Buffer.from(chunk), (message) => messages.push(message));
  return { messages, malformed };
}

const ids = (messages: Message[]): unknown[] => messages.map((message) => (message as { id?: unknown }).id);

describe('reading well-formed frames', () => {
  it('hands on each request of a stream', () => {
    expect(ids(read(frame(request(1)) + frame(request(2))).messages)).toEqual([1, 2]);
  });

  it('hands on a request split across chunks at every byte', () => {
    const bytes = frame(request(7));
    for (let cut = 1; cut < bytes.length; cut++) {
      const { messages, malformed } = read(bytes.slice(0, cut), bytes.slice(cut));
      expect(ids(messages)).toEqual([7]);
      expect(malformed).toEqual([]);
    }
  });

  it('counts the body in bytes, not characters', () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'trace/start',
      params: { scope: { paths: ['/tmp/déjà vu'] } },
    });
    expect(ids(read(frame(body), frame(request(2))).messages)).toEqual([1, 2]);
  });

  it('accepts other headers beside Content-Length, in any case', () => {
    const body = request(3);
    const text = `content-length: ${body.length}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${body}`;
    expect(ids(read(text).messages)).toEqual([3]);
  });
});

describe('answering what is not a JSON-RPC request', () => {
  it('reports a body that is not JSON as a parse error, and reads on', () => {
    const { messages, malformed } = read(frame('{"jsonrpc": "2.0", "id": 1,'), frame(request(2)));
    expect(ids(messages)).toEqual([2]);
    expect(malformed).toEqual([expect.objectContaining({ code: PARSE_ERROR, id: null })]);
  });

  it.each([
    ['a number', '42'],
    ['a batch', `[${request(1)}]`],
    ['an object without "jsonrpc"', '{"id": 1, "method": "trace/stats"}'],
    ['a request without a method', '{"jsonrpc": "2.0", "id": 1}'],
    ['a response', '{"jsonrpc": "2.0", "id": 1, "result": null}'],
    ['an id that is an object', '{"jsonrpc": "2.0", "id": {}, "method": "trace/stats"}'],
    ['params that are a string', '{"jsonrpc": "2.0", "id": 1, "method": "trace/stats", "params": "x"}'],
  ])('reports %s as an invalid request', (_, body) => {
    const { messages, malformed } = read(frame(body), frame(request(9)));
    expect(ids(messages)).toEqual([9]);
    expect(malformed).toEqual([expect.objectContaining({ code: INVALID_REQUEST })]);
  });

  it('answers an invalid request with its id where it has a usable one', () => {
    const { malformed } = read(frame('{"jsonrpc": "1.0", "id": 5, "method": "trace/stats"}'));
    expect(malformed).toEqual([expect.objectContaining({ code: INVALID_REQUEST, id: 5 })]);
  });

  it('refuses JSON nested deeper than its bound, without walking it', () => {
    const deep = `{"jsonrpc": "2.0", "id": 1, "method": "trace/stats", "params": {"x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const { messages, malformed } = read(frame(deep), frame(request(2)));
    expect(ids(messages)).toEqual([2]);
    expect(malformed).toEqual([
      expect.objectContaining({ code: INVALID_REQUEST, message: expect.stringMatching(/nests deeper/) }),
    ]);
  });
});

describe('finding the next frame after a broken one', () => {
  it('after a Content-Length larger than the body: the next frame is read where it begins', () => {
    const body = request(1);
    const { messages, malformed } = read(frame(body, body.length + 500), frame(request(2)));
    expect(ids(messages)).toEqual([2]);
    expect(malformed).toHaveLength(1);
  });

  it("after a Content-Length that ends inside the next frame's header", () => {
    const body = request(1);
    const { messages } = read(frame(body, body.length + 7), frame(request(2)));
    expect(ids(messages)).toEqual([2]);
  });

  it('after a Content-Length smaller than the body', () => {
    const body = request(1);
    const { messages } = read(frame(body, body.length - 10), frame(request(2)));
    expect(ids(messages)).toEqual([2]);
  });

  it('after a truncated frame that the next frame completes', () => {
    const truncated = frame(request(1)).slice(0, 30);
    const { messages } = read(truncated, frame(request(2)));
    expect(ids(messages)).toEqual([2]);
  });

  it.each([
    ['no Content-Length', 'Content-Type: x\r\n\r\n'],
    ['a Content-Length that is not a number', 'Content-Length: ten\r\n\r\n'],
    ['a negative Content-Length', 'Content-Length: -5\r\n\r\n'],
    ['Content-Length twice', 'Content-Length: 5\r\nContent-Length: 6\r\n\r\n'],
    ['a line without a colon', 'hello\r\n\r\n'],
    ['random bytes before the header', '\u0000\u00ff\u0013garbage'],
  ])('after a header with %s', (_, header) => {
    const { messages, malformed } = read(header, frame(request(2)));
    expect(ids(messages)).toEqual([2]);
    expect(malformed.length).toBeGreaterThan(0);
  });
});

describe('bounded memory', () => {
  it('refuses a Content-Length above its bound without waiting for the body', () => {
    const { messages, malformed } = read(
      `Content-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`,
      'x'.repeat(10_000),
      frame(request(2)),
    );
    expect(ids(messages)).toEqual([2]);
    expect(malformed[0]).toMatchObject({ code: PARSE_ERROR, message: expect.stringMatching(/longer than/) });
  });

  it('drops a header that never ends', () => {
    const { messages } = read('X'.repeat(100_000), frame(request(2)));
    expect(ids(messages)).toEqual([2]);
  });
});

describe('contentLength', () => {
  it('reads the length from a header block', () => {
    expect(contentLength('Content-Length: 52')).toBe(52);
  });

  it('says what is wrong with a header block that has none', () => {
    expect(contentLength('Content-Type: text/plain')).toBe('a message header has no Content-Length');
  });
});

describe('nestingDepth', () => {
  it('counts brackets outside strings only', () => {
    expect(nestingDepth('{"a": [[1], "[[[[\\"[["]}')).toBe(3);
  });
});
