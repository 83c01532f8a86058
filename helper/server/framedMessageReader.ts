// Reads JSON-RPC messages framed as vscode-jsonrpc frames them
// ("Content-Length: N\r\n\r\n" then N bytes of JSON), for a reader that must
// survive whatever arrives. vscode-jsonrpc's own StreamMessageReader trusts
// its peer: it buffers any Content-Length without limit, and one wrong
// Content-Length puts it out of step with the stream for good (each later
// header is then read as part of a body). This one:
//   - bounds what it holds (a header of at most 4 KiB, a body of at most 1 MiB);
//   - finds its way back to the next frame after a bad header or a body whose
//     Content-Length was wrong;
//   - hands on only JSON-RPC 2.0 requests and notifications, and reports
//     everything else as a MalformedMessage so that the server can answer it.
import {
  AbstractMessageReader,
  Disposable,
  Emitter,
  type DataCallback,
  type Event,
  type Message,
} from 'vscode-jsonrpc';
import { messageOf } from '../../common/errors';

export const MAX_HEADER_BYTES = 4096;
export const MAX_BODY_BYTES = 1 << 20;
/** Requests of this protocol nest four levels deep; anything far deeper is an attack on whoever walks it. */
export const MAX_NESTING = 32;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

export interface MalformedMessage {
  code: typeof PARSE_ERROR | typeof INVALID_REQUEST;
  message: string;
  /** The request's id where it could be read, else null (as JSON-RPC asks). */
  id: string | number | null;
}

/** Where a header block begins: the name that every frame must carry. */
const HEADER_START = /content-length[ \t]*:/gi;
/**
 * A Content-Length header line with its raw line end. JSON never holds a raw
 * CR or LF inside a string, and outside strings it has no such words, so a
 * body that holds this is certain to hold the start of another frame.
 */
const FRAME_INSIDE_BODY = /content-length[ \t]{0,8}:[ \t]{0,8}\d{1,10}\r\n/gi;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
/** Longer than any "Content-Length: N\r\n" line FRAME_INSIDE_BODY can match within a body of MAX_BODY_BYTES. */
const MAX_HEADER_LINE = 64;

export class FramedMessageReader extends AbstractMessageReader {
  private pending: Buffer = Buffer.alloc(0);
  /** Length of the body being collected; undefined while a header is awaited. */
  private bodyLength: number | undefined;
  /** How much of the body being collected has been searched for another frame. */
  private bodyScanned = 0;
  private readonly malformedEmitter = new Emitter<MalformedMessage>();

  constructor(private readonly input: NodeJS.ReadableStream) {
    super();
  }

  /** A frame or message that was dropped; the reader goes on with the next one. */
  get onMalformedMessage(): Event<MalformedMessage> {
    return this.malformedEmitter.event;
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer): void => this.receive(chunk, callback);
    const onError = (error: Error): void => this.fireError(error);
    const onEnd = (): void => this.fireClose();
    this.input.on('data', onData);
    this.input.on('error', onError);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    return Disposable.create(() => {
      this.input.off('data', onData);
      this.input.off('error', onError);
      this.input.off('end', onEnd);
      this.input.off('close', onEnd);
    });
  }

  /** Takes in bytes and hands on every complete message among them. Exposed for tests. */
  receive(chunk: Buffer, callback: DataCallback): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.bodyLength === undefined) {
        if (!this.readHeader()) return;
        continue;
      }
      if (this.bodyHoldsNextFrame()) continue;
      if (this.pending.length < this.bodyLength) return;
      const body = this.pending.subarray(0, this.bodyLength);
      this.pending = this.pending.subarray(this.bodyLength);
      this.bodyLength = undefined;
      const message = this.decode(body);
      if (message !== undefined) callback(message);
    }
  }

  /** Returns false when more bytes are needed. */
  private readHeader(): boolean {
    const end = this.pending.indexOf(HEADER_END);
    if (end < 0) {
      if (this.pending.length <= MAX_HEADER_BYTES) return false;
      this.skipToNextFrame(`a message header is longer than ${MAX_HEADER_BYTES} bytes`);
      return true;
    }
    const length = contentLength(this.pending.subarray(0, end).toString('latin1'));
    if (typeof length === 'string') {
      this.skipToNextFrame(length);
      return true;
    }
    this.pending = this.pending.subarray(end + HEADER_END.length);
    this.bodyLength = length;
    this.bodyScanned = 0;
    return true;
  }

  /**
   * Whether the body being collected holds the start of another frame: its
   * Content-Length promised more than the sender wrote. The bytes before that
   * frame are dropped and reading goes on from it.
   */
  private bodyHoldsNextFrame(): boolean {
    const held = this.pending.subarray(0, Math.min(this.bodyLength!, this.pending.length));
    // Only what arrived since the last look, and a header's length before it, is new.
    const from = Math.max(0, this.bodyScanned - MAX_HEADER_LINE);
    this.bodyScanned = held.length;
    const found = firstMatch(FRAME_INSIDE_BODY, held.subarray(from).toString('latin1'), 0);
    if (found < 0) return false;
    const nextFrame = from + found;
    this.bodyLength = undefined;
    this.pending = this.pending.subarray(nextFrame);
    this.report(PARSE_ERROR, 'a message ended before its Content-Length said: the next message began inside it');
    return true;
  }

  /** Drops bytes up to the next place a header could begin. */
  private skipToNextFrame(problem: string): void {
    this.report(PARSE_ERROR, problem);
    this.pending = this.pending.subarray(nextFrameStart(this.pending.toString('latin1'), 1));
  }

  private decode(body: Buffer): Message | undefined {
    const text = body.toString('utf8');
    const depth = nestingDepth(text);
    if (depth > MAX_NESTING) {
      this.report(INVALID_REQUEST, `a message nests deeper than ${MAX_NESTING} levels`);
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      this.report(PARSE_ERROR, `a message body is not JSON: ${messageOf(error)}`);
      // Its Content-Length may have been too large and ended inside the next
      // frame's header: read that frame from where it begins.
      const restart = nextFrameStart(body.toString('latin1'), 0);
      if (restart < body.length) this.pending = Buffer.concat([body.subarray(restart), this.pending]);
      return undefined;
    }
    const problem = requestProblem(parsed);
    if (problem !== undefined) {
      this.report(INVALID_REQUEST, problem, usableId(parsed));
      return undefined;
    }
    return parsed as Message;
  }

  private report(code: MalformedMessage['code'], message: string, id: string | number | null = null): void {
    this.malformedEmitter.fire({ code, message, id });
  }
}

/** The body length a header block announces, or what is wrong with it. */
export function contentLength(header: string): number | string {
  let length: number | undefined;
  for (const line of header.split('\r\n')) {
    const match = /^([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!match) return `a message header line is not "Name: value"`;
    if (match[1].toLowerCase() !== 'content-length') continue;
    if (length !== undefined) return 'a message header has Content-Length twice';
    if (!/^\d{1,10}$/.test(match[2])) return 'a message header has a Content-Length that is not a number';
    length = Number(match[2]);
  }
  if (length === undefined) return 'a message header has no Content-Length';
  if (length === 0) return 'a message header has a Content-Length of 0';
  if (length > MAX_BODY_BYTES) return `a message is longer than ${MAX_BODY_BYTES} bytes`;
  return length;
}

/** How deeply arrays and objects nest in a JSON text, counted without parsing it. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return deepest;
}

/** Why a parsed body is not a JSON-RPC 2.0 request or notification, if it is not. */
export function requestProblem(parsed: unknown): string | undefined {
  if (Array.isArray(parsed)) return 'batches of requests are not supported: send one request per message';
  if (typeof parsed !== 'object' || parsed === null) return 'a message must be a JSON object';
  const message = parsed as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return 'a message must have "jsonrpc": "2.0"';
  if ('id' in message && !isValidId(message.id)) return 'a request id must be a string, a number or null';
  if (typeof message.method !== 'string') {
    return 'result' in message || 'error' in message
      ? 'this helper sends no requests, so it expects no responses'
      : 'a request must have a "method" string';
  }
  if ('params' in message && (typeof message.params !== 'object' || message.params === null)) {
    return 'params must be an object or an array';
  }
  return undefined;
}

function isValidId(id: unknown): boolean {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) || id === null;
}

function usableId(parsed: unknown): string | number | null {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const id = (parsed as Record<string, unknown>).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

/**
 * Where in `text` (from `from` on) a frame may begin: the first "Content-Length:",
 * else a tail that may be the start of one still arriving, else the end.
 */
export function nextFrameStart(text: string, from: number): number {
  const header = firstMatch(HEADER_START, text, from);
  if (header >= 0) return header;
  const name = 'content-length';
  for (let length = Math.min(name.length, text.length - from); length > 0; length--) {
    if (text.slice(text.length - length).toLowerCase() === name.slice(0, length)) return text.length - length;
  }
  return text.length;
}

function firstMatch(pattern: RegExp, text: string, from: number): number {
  pattern.lastIndex = from;
  const match = pattern.exec(text);
  return match ? match.index : -1;
}
