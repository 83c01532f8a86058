// Every parameter of every request, checked where it enters the helper. The
// helper runs as root and its client is only as trustworthy as the process
// that spawned it, so nothing is taken on faith: a wrong type, a relative
// scope path or a field this protocol does not have is refused with a
// JSON-RPC "invalid params" error (-32602) that says what is wrong and where.
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc';

import {
  HISTORY_PAGE_MAX,
  MODE_CHOICES,
  PROTOCOL_VERSION,
  type HistoryParams,
  type ModeChoice,
  type InitializeParams,
  type Scope,
  type SetScopeParams,
  type StartParams,
} from '../../common/protocol';

/** More directories than any window has workspace folders. */
export const MAX_SCOPE_PATHS = 256;
/** Linux's PATH_MAX. */
export const MAX_PATH_LENGTH = 4096;

class InvalidParams extends ResponseError<void> {
  constructor(method: string, message: string) {
    super(ErrorCodes.InvalidParams, `${method}: ${message}`);
  }
}

export function validateInitialize(params: unknown): InitializeParams {
  const method = 'initialize';
  const given = fields(method, params, ['protocolVersion', 'attachMode']);
  const version = given.protocolVersion;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new InvalidParams(method, `params.protocolVersion must be a whole number, got ${describe(version)}`);
  }
  if (version !== PROTOCOL_VERSION) {
    throw new InvalidParams(method, `this helper speaks protocol version ${PROTOCOL_VERSION}, not ${version}`);
  }
  if (!('attachMode' in given)) return { protocolVersion: version };
  const attachMode = given.attachMode;
  if (!MODE_CHOICES.includes(attachMode as ModeChoice)) {
    throw new InvalidParams(
      method,
      `params.attachMode must be ${MODE_CHOICES.map((mode) => `"${mode}"`).join(', ')}, got ${describe(attachMode)}`,
    );
  }
  return { protocolVersion: version, attachMode: attachMode as ModeChoice };
}

export function validateStart(params: unknown): Required<StartParams> {
  const method = 'trace/start';
  const given = fields(method, params, ['scope', 'includeFailed']);
  // Absent means false; null is not absent, but a wrong type like any other.
  const includeFailed = 'includeFailed' in given ? given.includeFailed : false;
  if (typeof includeFailed !== 'boolean') {
    throw new InvalidParams(method, `params.includeFailed must be true or false, got ${describe(includeFailed)}`);
  }
  return { scope: validateScope(method, given.scope), includeFailed };
}

export function validateSetScope(params: unknown): SetScopeParams {
  const method = 'trace/setScope';
  const given = fields(method, params, ['scope']);
  return { scope: validateScope(method, given.scope) };
}

/** history/query's params, checked, with its times in milliseconds since the epoch. */
export interface HistoryOptions {
  scope: Scope;
  sinceMs?: number;
  untilMs?: number;
  before?: number;
  limit: number;
  includeFailed: boolean;
}

/** A time with its zone (UTC "Z" or an offset), seconds and their fractions optional: no local time whose meaning depends on the recorder's zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function validateHistory(params: unknown): HistoryOptions {
  const method = 'history/query';
  const given = fields(method, params, [
    'scope',
    'since',
    'until',
    'before',
    'limit',
    'includeFailed',
  ] satisfies (keyof HistoryParams)[]);
  const includeFailed = 'includeFailed' in given ? given.includeFailed : false;
  if (typeof includeFailed !== 'boolean') {
    throw new InvalidParams(method, `params.includeFailed must be true or false, got ${describe(includeFailed)}`);
  }
  const options: HistoryOptions = { scope: validateScope(method, given.scope), limit: HISTORY_PAGE_MAX, includeFailed };
  if ('since' in given) options.sinceMs = validateTime(method, 'since', given.since);
  if ('until' in given) options.untilMs = validateTime(method, 'until', given.until);
  if (options.sinceMs !== undefined && options.untilMs !== undefined && options.sinceMs > options.untilMs) {
    throw new InvalidParams(method, 'params.since must not be later than params.until');
  }
  if ('before' in given) {
    const before = given.before;
    if (typeof before !== 'number' || !Number.isSafeInteger(before) || before < 1) {
      throw new InvalidParams(
        method,
        `params.before must be a whole number of at least 1 (a seq), got ${describe(before)}`,
      );
    }
    options.before = before;
  }
  if ('limit' in given) {
    const limit = given.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > HISTORY_PAGE_MAX) {
      throw new InvalidParams(
        method,
        `params.limit must be a whole number from 1 to ${HISTORY_PAGE_MAX}, got ${describe(limit)}`,
      );
    }
    options.limit = limit;
  }
  return options;
}

function validateTime(method: string, field: string, time: unknown): number {
  const milliseconds = typeof time === 'string' && ISO_TIME.test(time) ? Date.parse(time) : NaN;
  if (Number.isNaN(milliseconds)) {
    throw new InvalidParams(
      method,
      `params.${field} must be an ISO-8601 time with its zone, like "2025-01-31T12:00:00Z", got ${describe(time)}`,
    );
  }
  return milliseconds;
}

/** For trace/stop, trace/stats and shutdown: nothing, or an empty object. */
export function validateNoParams(method: string, params: unknown): void {
  fields(method, params, []);
}

function validateScope(method: string, scope: unknown): Scope {
  if (scope === 'system') return 'system';
  if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) {
    throw new InvalidParams(method, `params.scope must be "system" or {"paths": [...]}, got ${describe(scope)}`);
  }
  const given = fields(method, scope, ['paths'], 'params.scope');
  const paths = given.paths;
  if (!Array.isArray(paths)) {
    throw new InvalidParams(method, `params.scope.paths must be an array of absolute paths, got ${describe(paths)}`);
  }
  if (paths.length === 0) {
    throw new InvalidParams(method, 'params.scope.paths must name at least one directory (or use the scope "system")');
  }
  if (paths.length > MAX_SCOPE_PATHS) {
    throw new InvalidParams(
      method,
      `params.scope.paths may name at most ${MAX_SCOPE_PATHS} directories, got ${paths.length}`,
    );
  }
  paths.forEach((path: unknown, index) => {
    const where = `params.scope.paths[${index}]`;
    if (typeof path !== 'string') throw new InvalidParams(method, `${where} must be a string, got ${describe(path)}`);
    if (!path.startsWith('/')) {
      throw new InvalidParams(method, `${where} must be an absolute path (starting with "/"), got ${describe(path)}`);
    }
    if (path.includes('\0')) throw new InvalidParams(method, `${where} must not contain a NUL character`);
    if (path.length > MAX_PATH_LENGTH) {
      throw new InvalidParams(method, `${where} is longer than ${MAX_PATH_LENGTH} characters`);
    }
  });
  return { paths: [...paths] as string[] };
}

/** The params object, once it is known to hold no field but `known`. */
function fields(method: string, params: unknown, known: string[], where = 'params'): Record<string, unknown> {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new InvalidParams(method, `${where} must be an object, got ${describe(params)}`);
  }
  for (const name of Object.keys(params)) {
    if (!known.includes(name)) {
      const expected =
        known.length === 0 ? 'takes no parameters' : `takes only ${known.map((k) => `"${k}"`).join(', ')}`;
      throw new InvalidParams(method, `${where} has an unknown field ${describe(name)}: ${where} ${expected}`);
    }
  }
  return params as Record<string, unknown>;
}

/** A short, safe rendering of a value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return JSON.stringify(shown);
  }
  return `${typeof value} ${String(value)}`;
}
