// ARCHITECTURE.md is the one source for the contracts between the parts. These
// tests fail when the protocol module, the helper's limits or the terminal
// command gain something that the document does not describe.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes, NotificationType, RequestType } from 'vscode-jsonrpc';
import { describe, expect, it } from 'vitest';

import * as protocol from '../../common/protocol';
import { TRACE_USAGE } from '../../helper/cli';
import { INVALID_REQUEST, MAX_NESTING, PARSE_ERROR } from '../../helper/framedMessageReader';
import { MAX_CONNECTIONS_PER_UID } from '../../helper/recorder/recorderSocket';
import { REFUSED_LINGER_MS } from '../../helper/recorder/refusedPeer';
import { MEMORY_MAX } from '../../helper/recorder/systemdUnit';
import { MAX_QUEUED_MESSAGES, PAUSE_ABOVE_EVENTS, RESUME_AT_EVENTS } from '../../helper/server';
import { MAX_PATH_LENGTH, MAX_SCOPE_PATHS } from '../../helper/validation';

const architecture = fs.readFileSync(path.join(__dirname, '..', '..', 'ARCHITECTURE.md'), 'utf8');

/** The text under a heading, up to the next heading of the same level or above. */
function section(heading: string): string {
  const lines = architecture.split('\n');
  const start = lines.findIndex((line) => /^#{2,4} /.test(line) && line.replace(/^#+ /, '') === heading);
  if (start < 0) throw new Error(`ARCHITECTURE.md has no section "${heading}"`);
  const level = lines[start].indexOf(' ');
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

const figure = (n: number): string => n.toLocaleString('en-US');

/** Every field, so that a field added to DeletionEvent fails to compile here until it is listed. */
const everyDeletionField: Required<protocol.DeletionEvent> = {
  seq: 1, time: '', syscall: 'unlink', abi: 'x86_64', directory: false, path: '/', pathBytes: '', pathArg: '', complete: true,
  processPath: '/', processPathBytes: '', mountNamespace: 0, container: { engine: 'docker', id: '' },
  result: 0, resultUnknown: true, error: '', pid: 1, tid: 1, ppid: 0, uid: 0, cgroupId: 1, comm: '', threadName: '', cmdline: [], ancestors: [],
  movedTo: '/', movedToBytes: '', movedToComplete: true, replaced: false, replacedUnknown: true, exchanged: false, renameFlags: [],
};
const everyInitializeResultField: Required<protocol.InitializeResult> = {
  protocolVersion: 0, helperVersion: '', kernelRelease: '', arch: '', pid: 1, modeChoice: 'complete', attachMode: 'raw', programSet: 'newer', unseen: [], mountNamespace: 0,
  recorder: { database: '', unrecorded: 0, retainDays: 0, retainMib: 0 },
};
/** Every field, so that a field added to RecorderStatus fails to compile here until it is listed. */
const everyRecorderStatusField: Required<protocol.RecorderStatus> = { database: '', unrecorded: 0, problem: '', oldest: '', retainDays: 0, retainMib: 0, sees: 'own' };
const everyHistoryParamsField: Required<protocol.HistoryParams> = { scope: 'system', since: '', until: '', before: 0, limit: 1, includeFailed: false };
const everyStatsField: Required<protocol.TraceStats> = { events: 0, lost: 0, filtered: 0, lostCommandLines: 0 };

describe('ARCHITECTURE.md', () => {
  it('describes every method and notification of the wire protocol', () => {
    const methods = Object.values(protocol as Record<string, unknown>)
      .filter((value): value is RequestType<unknown, unknown, unknown> | NotificationType<unknown> => value instanceof RequestType || value instanceof NotificationType)
      .map((message) => message.method);
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect(section('Methods')).toContain(`\`${method}\``);
  });

  it('describes every field of a deletion', () => {
    const fields = section('Types');
    for (const field of Object.keys(everyDeletionField)) expect(fields).toMatch(new RegExp(`\`${field}\``));
  });

  it('describes every field of the initialize result', () => {
    const line = section('Types').split('\n').find((text) => text.startsWith('InitializeResult '));
    expect(line).toBeDefined();
    for (const field of Object.keys(everyInitializeResultField)) expect(line).toMatch(new RegExp(`\\b${field}\\b`));
  });

  it('describes every field of the recorder status and of a history query', () => {
    const types = section('Types');
    const line = (name: string): string => types.split('\n').find((text) => text.startsWith(`${name} `)) ?? '';
    for (const field of Object.keys(everyRecorderStatusField)) expect(line('RecorderStatus')).toMatch(new RegExp(`\\b${field}\\b`));
    for (const field of Object.keys(everyHistoryParamsField)) expect(line('HistoryParams')).toMatch(new RegExp(`\\b${field}\\b`));
    expect(types).toContain(`1 to ${figure(protocol.HISTORY_PAGE_MAX)} (HISTORY_PAGE_MAX)`);
  });

  it('describes every figure of the trace statistics', () => {
    for (const field of Object.keys(everyStatsField)) expect(section('Types')).toContain(`\`${field}\``);
  });

  it('describes every error code the helper answers with', () => {
    const codes = [PARSE_ERROR, INVALID_REQUEST, ErrorCodes.MethodNotFound, ErrorCodes.InvalidParams, ...Object.values(protocol.HelperErrorCodes)];
    for (const code of codes) expect(section('Errors')).toContain(`| ${code} |`);
  });

  it('names the protocol version, the default attach mode and the limits the helper enforces', () => {
    const protocolText = section('Wire protocol') + section('Types') + section('Methods') + section('Errors');
    expect(protocolText).toContain(`\`PROTOCOL_VERSION\` is ${protocol.PROTOCOL_VERSION}`);
    expect(section('Two attach modes, one code path')).toContain(`| \`${protocol.DEFAULT_MODE_CHOICE}\` (the default`);
    expect(section('Methods')).toContain(`${figure(protocol.DELETIONS_FLUSH_MS)} ms old or when it holds ${figure(protocol.DELETIONS_FLUSH_COUNT)} events`);
    expect(section('Types')).toContain(`1 to ${figure(MAX_SCOPE_PATHS)} absolute paths, each at most ${figure(MAX_PATH_LENGTH)} characters`);
    expect(section('Errors')).toContain(`nests more than ${MAX_NESTING} deep`);
    const backPressure = section('Back-pressure and loss');
    expect(backPressure).toContain(`more than ${figure(PAUSE_ABOVE_EVENTS)} deletions waiting`);
    expect(backPressure).toContain(`${figure(RESUME_AT_EVENTS)} or fewer`);
    expect(backPressure).toContain(`more than ${figure(MAX_QUEUED_MESSAGES)} messages wait`);
  });

  it('names the bounds a peer of the recorder meets, and the service\'s memory', () => {
    expect(section('Flight recorder')).toContain(`one uid holds at most ${MAX_CONNECTIONS_PER_UID} connections served at once (\`MAX_CONNECTIONS_PER_UID\``);
    expect(section('Flight recorder')).toContain(`closes the connection ${REFUSED_LINGER_MS / 1000} s later (\`REFUSED_LINGER_MS\`)`);
    expect(section('Errors')).toContain(`already holds ${MAX_CONNECTIONS_PER_UID} connections (\`MAX_CONNECTIONS_PER_UID\`)`);
    expect(section('Installing')).toContain(`\`MemoryMax=${MEMORY_MAX}\` (\`MEMORY_MAX\`)`);
  });

  it('describes every option of the terminal command', () => {
    // The usage's lines that explain an option each start with it.
    const options = [...TRACE_USAGE.matchAll(/^ +(--[a-z]+)/gm)].map((match) => match[1]);
    expect(options.length).toBeGreaterThan(0);
    for (const option of options) expect(section('Terminal command')).toContain(`\`${option}`);
  });
});
