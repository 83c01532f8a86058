// Every request's parameters are checked where they enter the helper; what
// is wrong is refused with JSON-RPC's "invalid params" (-32602) and a message
// that says which field and why.
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc';
import { describe, expect, it } from 'vitest';

import {
  MAX_PATH_LENGTH,
  MAX_SCOPE_PATHS,
  validateInitialize,
  validateNoParams,
  validateSetScope,
  validateStart,
} from '../../../../helper/server/validation';
import { PROTOCOL_VERSION } from '../../../../common/protocol';

function refusal(check: () => unknown): ResponseError<void> {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as ResponseError<void>).code).toBe(ErrorCodes.InvalidParams);
    return error as ResponseError<void>;
  }
  throw new Error('the parameters were accepted');
}

describe('initialize', () => {
  it(`accepts protocol version ${PROTOCOL_VERSION}`, () => {
    expect(validateInitialize({ protocolVersion: PROTOCOL_VERSION })).toEqual({ protocolVersion: PROTOCOL_VERSION });
  });

  it.each([[undefined], [{}], [{ protocolVersion: '1' }], [{ protocolVersion: 1.5 }], [{ protocolVersion: null }]])(
    'refuses %j, saying protocolVersion must be a whole number',
    (params) => {
      expect(refusal(() => validateInitialize(params)).message).toMatch(
        /^initialize: params.protocolVersion must be a whole number/,
      );
    },
  );

  it('accepts every attach mode', () => {
    for (const attachMode of ['complete', 'raw', 'tracepoint-without-32-bit']) {
      expect(validateInitialize({ protocolVersion: PROTOCOL_VERSION, attachMode })).toEqual({
        protocolVersion: PROTOCOL_VERSION,
        attachMode,
      });
    }
  });

  it.each([['kprobe'], [null], [1], [['raw']]])(
    'refuses the attach mode %j, naming the ones there are',
    (attachMode) => {
      expect(refusal(() => validateInitialize({ protocolVersion: PROTOCOL_VERSION, attachMode })).message).toMatch(
        /^initialize: params.attachMode must be "complete", "raw", "tracepoint-without-32-bit", got /,
      );
    },
  );

  it('refuses another version, saying which one it speaks', () => {
    expect(refusal(() => validateInitialize({ protocolVersion: PROTOCOL_VERSION + 1 })).message).toBe(
      `initialize: this helper speaks protocol version ${PROTOCOL_VERSION}, not ${PROTOCOL_VERSION + 1}`,
    );
  });
});

describe('trace/start', () => {
  it('accepts the whole system', () => {
    expect(validateStart({ scope: 'system' })).toEqual({ scope: 'system', includeFailed: false });
  });

  it('accepts absolute directories and includeFailed', () => {
    expect(validateStart({ scope: { paths: ['/home/ann/project', '/tmp'] }, includeFailed: true })).toEqual({
      scope: { paths: ['/home/ann/project', '/tmp'] },
      includeFailed: true,
    });
  });

  it('refuses a relative path, naming it and where it is', () => {
    expect(refusal(() => validateStart({ scope: { paths: ['/tmp', 'src'] } })).message).toBe(
      'trace/start: params.scope.paths[1] must be an absolute path (starting with "/"), got "src"',
    );
  });

  it.each([
    [
      'a scope that is another string',
      { scope: 'everything' },
      /params.scope must be "system" or \{"paths": \[...\]\}, got "everything"/,
    ],
    ['no scope', {}, /params.scope must be "system"/],
    [
      'paths that are not an array',
      { scope: { paths: '/tmp' } },
      /params.scope.paths must be an array of absolute paths, got "\/tmp"/,
    ],
    ['no paths', { scope: { paths: [] } }, /must name at least one directory/],
    [
      'a path that is not a string',
      { scope: { paths: [42] } },
      /params.scope.paths\[0\] must be a string, got number 42/,
    ],
    ['a path with a NUL', { scope: { paths: ['/tmp/\0x'] } }, /must not contain a NUL/],
    ['a path longer than PATH_MAX', { scope: { paths: [`/${'a'.repeat(MAX_PATH_LENGTH)}`] } }, /is longer than 4096/],
    ['too many paths', { scope: { paths: Array(MAX_SCOPE_PATHS + 1).fill('/tmp') } }, /at most 256 directories/],
    [
      'includeFailed that is not a boolean',
      { scope: 'system', includeFailed: 'yes' },
      /params.includeFailed must be true or false, got "yes"/,
    ],
    [
      'includeFailed that is null',
      { scope: 'system', includeFailed: null },
      /params.includeFailed must be true or false, got null/,
    ],
    ['an unknown field', { scope: 'system', verbose: true }, /params has an unknown field "verbose"/],
    [
      'an unknown field in the scope',
      { scope: { paths: ['/tmp'], depth: 2 } },
      /params.scope has an unknown field "depth"/,
    ],
    ['params that are an array', ['system'], /params must be an object, got an array of 1/],
  ])('refuses %s', (_, params, message) => {
    expect(refusal(() => validateStart(params)).message).toMatch(message);
  });

  it('shows at most 60 characters of a huge string it refuses', () => {
    const message = refusal(() => validateStart({ scope: 'x'.repeat(1_000_000) })).message;
    expect(message.length).toBeLessThan(200);
  });
});

describe('trace/setScope', () => {
  it('accepts the same scopes as trace/start', () => {
    expect(validateSetScope({ scope: { paths: ['/srv'] } })).toEqual({ scope: { paths: ['/srv'] } });
  });

  it('refuses includeFailed, which only trace/start takes', () => {
    expect(refusal(() => validateSetScope({ scope: 'system', includeFailed: true })).message).toMatch(
      /^trace\/setScope: params has an unknown field "includeFailed"/,
    );
  });
});

describe('methods without parameters', () => {
  it.each([[undefined], [null], [{}]])('accept %j', (params) => {
    expect(() => validateNoParams('trace/stats', params)).not.toThrow();
  });

  it('refuse any field', () => {
    expect(refusal(() => validateNoParams('trace/stop', { force: true })).message).toBe(
      'trace/stop: params has an unknown field "force": params takes no parameters',
    );
  });
});
