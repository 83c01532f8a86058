// The real flight recorder (`node dist/helper.js record`) on a database and
// a socket of the test's own, and clients of its socket: root's, spoken to
// through vscode-jsonrpc as the extension speaks to it, and other users'
// (socketClientScript.ts, run as that user).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import {
  SocketMessageReader,
  SocketMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { test } from 'vitest';

import {
  DeletionsNotification,
  InitializeRequest,
  LostNotification,
  PROTOCOL_VERSION,
  RecorderStatusNotification,
  type DeletionEvent,
  type InitializeResult,
  type RecorderStatus,
} from '../../common/protocol';
import { HELPER_BUNDLE, type Exit } from './helperServer';
import { makeScratchDirectory, removeScratchDirectory } from './scratch';

export interface RecorderSettings {
  database: string;
  socket: string;
  allowUids?: number[];
  /** More options for `record`. */
  args?: string[];
  /** Added to its environment. */
  env?: NodeJS.ProcessEnv;
}

export interface RecorderUnderTest {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  settings: RecorderSettings;
  stderr(): string;
  /** Resolves once it has said it records and serves; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<Exit>;
  /** Sends `signal` and waits for it to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** What `record` says on stderr once it takes clients. */
export function readyLine({ database, socket }: RecorderSettings): string {
  return `syscall-trace: recording deletions into ${database}; serving ${socket}`;
}

export function spawnRecorder(settings: RecorderSettings): RecorderUnderTest {
  const args = [HELPER_BUNDLE, 'record', '--db', settings.database, '--socket', settings.socket];
  for (const uid of settings.allowUids ?? []) args.push('--allow-uid', String(uid));
  args.push(...(settings.args ?? []));
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...settings.env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout.resume();
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', () => {
      if (stderr.split('\n').includes(readyLine(settings))) resolve();
    });
    void exited.then((exit) =>
      reject(new Error(`the recorder exited (${JSON.stringify(exit)}) before it was ready:\n${stderr}`)),
    );
  });
  ready.catch(() => undefined);
  return {
    child,
    pid: child.pid!,
    settings,
    stderr: () => stderr,
    ready,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface RecorderClient {
  connection: MessageConnection;
  /** The connection's socket: pause() it to be a client that does not read. */
  socket: net.Socket;
  /** Every deletion received in trace/deletions, in order. */
  deletions: DeletionEvent[];
  lostTotals: number[];
  statuses: RecorderStatus[];
  /** Resolves once the recorder has closed the connection. */
  closed: Promise<void>;
  initialize(): Promise<InitializeResult>;
  dispose(): void;
}

/** Connects to the recorder's socket as this process (root). */
export async function connectRecorder(socketPath: string): Promise<RecorderClient> {
  const socket = net.connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  const client: RecorderClient = {
    connection,
    socket,
    deletions: [],
    lostTotals: [],
    statuses: [],
    closed,
    initialize: () => connection.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION }),
    dispose() {
      connection.dispose();
      socket.destroy();
    },
  };
  connection.onNotification(DeletionsNotification, ({ events }) => client.deletions.push(...events));
  connection.onNotification(LostNotification, ({ lost }) => client.lostTotals.push(lost));
  connection.onNotification(RecorderStatusNotification, (status) => client.statuses.push(status));
  connection.onError(() => undefined);
  connection.listen();
  return client;
}

/** Polls until `condition` holds; throws with `what` after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms in vain: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What socketClientScript.ts saw: every message, and whether the recorder closed the connection. */
export interface ScriptClientResult {
  messages: {
    id?: number | string | null;
    result?: unknown;
    error?: { code: number; message: string };
    method?: string;
    params?: unknown;
  }[];
  closedByRecorder: boolean;
  error?: string;
}

/**
 * The client script, bundled into a directory every user can read (a
 * scratch directory is root's alone): run it as another user with
 * process.execPath, the socket and the JSON of what to send.
 */
export function buildClientScript(directory: string): string {
  return buildUserScript(directory, 'socketClientScript.ts', 'socketClient.js');
}

/** The flood script (socketFloodScript.ts), bundled as buildClientScript bundles the client. */
export function buildFloodScript(directory: string): string {
  return buildUserScript(directory, 'socketFloodScript.ts', 'socketFlood.js');
}

function buildUserScript(directory: string, source: string, name: string): string {
  fs.chmodSync(directory, 0o755);
  const script = path.join(directory, name);
  buildSync({
    entryPoints: [path.join(__dirname, source)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile: script,
    logLevel: 'warning',
  });
  fs.chmodSync(script, 0o644);
  return script;
}

/** A client script run as another user with --hold: connected and listening until finish(). */
export interface HeldClient {
  /** Resolves once every request it sent is answered. */
  answered: Promise<void>;
  /** Ends its stdin: it prints what it received and exits. */
  finish(): Promise<ScriptClientResult>;
}

/** Runs the client script (buildClientScript) as `userName` with --hold, sending `messages`. */
export function holdAsUser(userName: string, script: string, socket: string, messages: unknown[]): HeldClient {
  const child = spawn(
    'runuser',
    ['-u', userName, '--', process.execPath, script, socket, JSON.stringify(messages), '--hold'],
    {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const answered = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (stdout.startsWith('answered\n')) resolve();
    });
    void exited.then((status) =>
      reject(new Error(`the client ended (${status}) before its requests were answered: ${stdout}${stderr}`)),
    );
  });
  answered.catch(() => undefined);
  return {
    answered,
    async finish() {
      child.stdin.end();
      const status = await exited;
      if (status !== 0) throw new Error(`the client exited with ${status}: ${stderr}`);
      return JSON.parse(stdout.replace(/^answered\n/, '')) as ScriptClientResult;
    },
  };
}

export const recorderTest = test
  .extend('scratch', ({}, { onCleanup }) => {
    const directory = makeScratchDirectory();
    onCleanup(() => removeScratchDirectory(directory));
    return directory;
  })
  .extend('recorderFiles', ({}, { onCleanup }) => {
    // Beside the scratch directory, not in it: the recorder's own files are
    // no deletions of the test's. Open to every user (a scratch directory is
    // root's alone), as /run and /var/lib are: the socket's and the
    // database's directories, which the recorder makes, say who may enter.
    const directory = makeScratchDirectory();
    fs.chmodSync(directory, 0o755);
    onCleanup(() => removeScratchDirectory(directory));
    return {
      database: path.join(directory, 'state', 'deletions.db'),
      socket: path.join(directory, 'run', 'recorder.sock'),
    };
  })
  .extend('spawnRecorder', ({ recorderFiles }, { onCleanup }) => {
    const spawned: RecorderUnderTest[] = [];
    onCleanup(async () => {
      await Promise.all(spawned.map((recorder) => recorder.stop('SIGKILL')));
    });
    return (settings: Partial<RecorderSettings> = {}): RecorderUnderTest => {
      const recorder = spawnRecorder({ ...recorderFiles, ...settings });
      spawned.push(recorder);
      return recorder;
    };
  })
  .extend('connect', ({ recorderFiles }, { onCleanup }) => {
    const clients: RecorderClient[] = [];
    onCleanup(() => clients.forEach((client) => client.dispose()));
    return async (socket = recorderFiles.socket): Promise<RecorderClient> => {
      const client = await connectRecorder(socket);
      clients.push(client);
      return client;
    };
  });
