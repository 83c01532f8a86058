// The docs under docs/ are the one source for the contracts between the
// parts. These tests fail when the protocol module, the helper's limits or the
// terminal command gain something that the docs do not describe, when the code
// cites a section that its page does not have, or when a page outgrows what a
// reader takes in at once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ErrorCodes, NotificationType, RequestType } from 'vscode-jsonrpc';
import { describe, expect, it } from 'vitest';

import * as protocol from '../../common/protocol';
import { TRACE_USAGE } from '../../helper/commands/traceCommand';
import { INVALID_REQUEST, MAX_NESTING, PARSE_ERROR } from '../../helper/server/framedMessageReader';
import { MAX_CONNECTIONS_PER_UID } from '../../helper/recorder/recorderSocket';
import { REFUSED_LINGER_MS } from '../../helper/recorder/refusedPeer';
import { MEMORY_MAX } from '../../helper/recorder/systemdUnit';
import { MAX_QUEUED_MESSAGES, PAUSE_ABOVE_EVENTS, RESUME_AT_EVENTS } from '../../helper/server/stdioServer';
import { MAX_PATH_LENGTH, MAX_SCOPE_PATHS } from '../../helper/server/validation';

const repository = path.join(__dirname, '..', '..');
const docsDirectory = path.join(repository, 'docs');
const pages = new Map(
  fs
    .readdirSync(docsDirectory)
    .filter((name) => name.endsWith('.md'))
    .map((name) => [name, fs.readFileSync(path.join(docsDirectory, name), 'utf8')]),
);

/** The headings of one page, without their hashes. */
function headings(page: string): string[] {
  return page
    .split('\n')
    .filter((line) => /^#{1,4} /.test(line))
    .map((line) => line.replace(/^#+ /, ''));
}

/**
 * The text under a heading, on whichever page holds it, up to the next heading
 * of the same level or above.
 */
function section(heading: string): string {
  for (const page of pages.values()) {
    const lines = page.split('\n');
    const start = lines.findIndex((line) => /^#{2,4} /.test(line) && line.replace(/^#+ /, '') === heading);
    if (start < 0) continue;
    const level = lines[start].indexOf(' ');
    const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.indexOf(' ') <= level);
    return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
  }
  throw new Error(`no page of docs/ has a section "${heading}"`);
}

/** A section's words, each space one blank: a phrase reads the same wherever its line was wrapped. */
const words = (heading: string): string => section(heading).replace(/\s+/g, ' ');

const figure = (n: number): string => n.toLocaleString('en-US');

/** Every field, so that a field added to DeletionEvent fails to compile here until it is listed. */
const everyDeletionField: Required<protocol.DeletionEvent> = {
  seq: 1,
  time: '',
  syscall: 'unlink',
  abi: 'x86_64',
  directory: false,
  path: '/',
  pathBytes: '',
  pathArg: '',
  complete: true,
  processPath: '/',
  processPathBytes: '',
  mountNamespace: 0,
  container: { engine: 'docker', id: '' },
  result: 0,
  resultUnknown: true,
  error: '',
  pid: 1,
  tid: 1,
  ppid: 0,
  uid: 0,
  cgroupId: 1,
  comm: '',
  threadName: '',
  cmdline: [],
  ancestors: [],
  movedTo: '/',
  movedToBytes: '',
  movedToComplete: true,
  replaced: false,
  replacedUnknown: true,
  exchanged: false,
  renameFlags: [],
};
const everyInitializeResultField: Required<protocol.InitializeResult> = {
  protocolVersion: 0,
  helperVersion: '',
  kernelRelease: '',
  arch: '',
  pid: 1,
  modeChoice: 'complete',
  attachMode: 'raw',
  programSet: 'newer',
  unseen: [],
  mountNamespace: 0,
  recorder: { database: '', unrecorded: 0, retainDays: 0, retainMib: 0 },
};
/** Every field, so that a field added to RecorderStatus fails to compile here until it is listed. */
const everyRecorderStatusField: Required<protocol.RecorderStatus> = {
  database: '',
  unrecorded: 0,
  problem: '',
  oldest: '',
  retainDays: 0,
  retainMib: 0,
  sees: 'own',
};
const everyHistoryParamsField: Required<protocol.HistoryParams> = {
  scope: 'system',
  since: '',
  until: '',
  before: 0,
  limit: 1,
  includeFailed: false,
};
const everyStatsField: Required<protocol.TraceStats> = { events: 0, lost: 0, filtered: 0, lostCommandLines: 0 };

describe('docs/', () => {
  it('describes every method and notification of the wire protocol', () => {
    const methods = Object.values(protocol as Record<string, unknown>)
      .filter(
        (value): value is RequestType<unknown, unknown, unknown> | NotificationType<unknown> =>
          value instanceof RequestType || value instanceof NotificationType,
      )
      .map((message) => message.method);
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect(words('Methods')).toContain(`\`${method}\``);
  });

  it('describes every field of a deletion', () => {
    const fields = words('Types');
    for (const field of Object.keys(everyDeletionField)) expect(fields).toMatch(new RegExp(`\`${field}\``));
  });

  it('describes every field of the initialize result', () => {
    const line = section('Types')
      .split('\n')
      .find((text) => text.startsWith('InitializeResult '));
    expect(line).toBeDefined();
    for (const field of Object.keys(everyInitializeResultField)) expect(line).toMatch(new RegExp(`\\b${field}\\b`));
  });

  it('describes every field of the recorder status and of a history query', () => {
    const types = section('Types');
    const line = (name: string): string => types.split('\n').find((text) => text.startsWith(`${name} `)) ?? '';
    for (const field of Object.keys(everyRecorderStatusField))
      expect(line('RecorderStatus')).toMatch(new RegExp(`\\b${field}\\b`));
    for (const field of Object.keys(everyHistoryParamsField))
      expect(line('HistoryParams')).toMatch(new RegExp(`\\b${field}\\b`));
    expect(types).toContain(`1 to ${figure(protocol.HISTORY_PAGE_MAX)} (HISTORY_PAGE_MAX)`);
  });

  it('describes every figure of the trace statistics', () => {
    for (const field of Object.keys(everyStatsField)) expect(words('Types')).toContain(`\`${field}\``);
  });

  it('describes every error code the helper answers with', () => {
    const codes = [
      PARSE_ERROR,
      INVALID_REQUEST,
      ErrorCodes.MethodNotFound,
      ErrorCodes.InvalidParams,
      ...Object.values(protocol.HelperErrorCodes),
    ];
    for (const code of codes) expect(words('Errors')).toContain(`| ${code} |`);
  });

  it('names the protocol version, the default attach mode and the limits the helper enforces', () => {
    const protocolText = words('Wire protocol') + words('Types') + words('Methods') + words('Errors');
    expect(protocolText).toContain(`\`PROTOCOL_VERSION\` is ${protocol.PROTOCOL_VERSION}`);
    expect(words('Two attach modes, one code path')).toContain(`| \`${protocol.DEFAULT_MODE_CHOICE}\` (the default`);
    expect(words('Methods')).toContain(
      `${figure(protocol.DELETIONS_FLUSH_MS)} ms old or when it holds ${figure(protocol.DELETIONS_FLUSH_COUNT)} events`,
    );
    expect(words('Types')).toContain(
      `1 to ${figure(MAX_SCOPE_PATHS)} absolute paths, each at most ${figure(MAX_PATH_LENGTH)} characters`,
    );
    expect(words('Errors')).toContain(`nests more than ${MAX_NESTING} deep`);
    const backPressure = words('Back-pressure and loss');
    expect(backPressure).toContain(`more than ${figure(PAUSE_ABOVE_EVENTS)} deletions waiting`);
    expect(backPressure).toContain(`${figure(RESUME_AT_EVENTS)} or fewer`);
    expect(backPressure).toContain(`more than ${figure(MAX_QUEUED_MESSAGES)} messages wait`);
  });

  it("names the bounds a peer of the recorder meets, and the service's memory", () => {
    expect(words('Flight recorder')).toContain(
      `one uid holds at most ${MAX_CONNECTIONS_PER_UID} connections served at once (\`MAX_CONNECTIONS_PER_UID\``,
    );
    expect(words('Flight recorder')).toContain(
      `closes the connection ${REFUSED_LINGER_MS / 1000} s later (\`REFUSED_LINGER_MS\`)`,
    );
    expect(words('Errors')).toContain(
      `already holds ${MAX_CONNECTIONS_PER_UID} connections (\`MAX_CONNECTIONS_PER_UID\`)`,
    );
    expect(words('Installing')).toContain(`\`MemoryMax=${MEMORY_MAX}\` (\`MEMORY_MAX\`)`);
  });

  it('describes every option of the terminal command', () => {
    // The usage's lines that explain an option each start with it.
    const options = [...TRACE_USAGE.matchAll(/^ +(--[a-z]+)/gm)].map((match) => match[1]);
    expect(options.length).toBeGreaterThan(0);
    for (const option of options) expect(words('Terminal command')).toContain(`\`${option}`);
  });

  it('has every section the code cites, on the page the code names', () => {
    // A citation reads `docs/PAGE.md, "Section"`; in a comment it may be
    // wrapped, with the comment's marker at the start of the next line.
    const cited = /docs\/([a-z-]+\.md),?\s*"([^"]+)"/g;
    const sources = execFileSync(
      'git',
      ['ls-files', '--', 'bpf', 'native/src', 'helper', 'extension', 'common', 'tools', 'test'],
      { cwd: repository, encoding: 'utf8' },
    )
      .split('\n')
      .filter((file) => /\.(ts|c|h|cc)$/.test(file));
    let citations = 0;
    for (const file of sources) {
      const text = fs.readFileSync(path.join(repository, file), 'utf8');
      expect(text, file).not.toMatch(/ARCHITECTURE\.md/);
      for (const [, page, wrapped] of text.matchAll(cited)) {
        const heading = wrapped.replace(/\n\s*(\/\/|\*)?\s*/g, ' ');
        expect(pages.has(page), `${file} cites docs/${page}`).toBe(true);
        expect(headings(pages.get(page) ?? ''), `${file} cites docs/${page}, "${heading}"`).toContain(heading);
        citations += 1;
      }
    }
    expect(citations).toBeGreaterThan(50);
  });

  it('keeps each page under 40 KB, with its prose wrapped', () => {
    for (const [name, page] of pages) {
      expect(Buffer.byteLength(page), name).toBeLessThanOrEqual(40 * 1024);
      // Tables and code blocks keep their lines whole; prose is wrapped.
      let inCode = false;
      for (const line of page.split('\n')) {
        if (line.startsWith('```')) inCode = !inCode;
        if (inCode || line.startsWith('|')) continue;
        expect(line.length, `${name}: ${line.slice(0, 60)}…`).toBeLessThanOrEqual(100);
      }
    }
  });

  it('links only to files and headings that exist', () => {
    // GitHub's anchor of a heading: lower case, punctuation dropped, each space a hyphen.
    const anchor = (heading: string): string =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-');
    const documents = [...[...pages.keys()].map((name) => path.join('docs', name)), 'README.md', 'BENCHMARKS.md'];
    let links = 0;
    for (const document of documents) {
      const text = fs.readFileSync(path.join(repository, document), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file, fragment] = target.split('#');
        const linked = file === '' ? document : path.join(path.dirname(document), file);
        expect(fs.existsSync(path.join(repository, linked)), `${document} links to ${target}`).toBe(true);
        if (fragment !== undefined && linked.endsWith('.md')) {
          const anchors = headings(fs.readFileSync(path.join(repository, linked), 'utf8')).map(anchor);
          expect(anchors, `${document} links to ${target}`).toContain(fragment);
        }
        links += 1;
      }
    }
    expect(links).toBeGreaterThan(50);
  });
});
