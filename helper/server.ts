// `node dist/helper.js --stdio [--mode raw|tracepoint]`: the JSON-RPC face of
// the helper, for the extension. Requests come only from stdin, and only
// JSON-RPC goes to stdout (ARCHITECTURE.md, "Wire protocol"). It drives the
// same DeletionTracer as the terminal command.
//
// Start: it loads its programs in its mode and gives up its privileges
// before it reads stdin, then says so in HELPER_READY_LINE on stderr: stdin
// may hold the rest of what sudo was given until then, and a root helper
// never reads a request.
//
// Lifecycle: the end of stdin means the client is gone, and so does a
// closed stdout; either, `shutdown`, SIGTERM, SIGINT or SIGHUP detaches and
// exits. SIGKILL cannot be caught, but the kernel closes the helper's file
// descriptors and the BPF links die with them.
//
// Back-pressure: a client that stops reading must neither make the helper
// grow without bound nor hold up the kernel side. While more than
// PAUSE_ABOVE_EVENTS deletions wait for the client, the helper takes no more
// records from the kernel's ring buffer, until the client has read all but
// RESUME_AT_EVENTS: the ring buffer holds the storm meanwhile, and where it
// overflows the kernel counts the loss (trace/lost, TraceStats.lost). So a
// client that reads gets every deletion, however fast they come, and the
// helper drops none itself. While more than
// MAX_QUEUED_MESSAGES wait, the helper also stops reading requests, whose
// answers would only queue up too.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ErrorCodes, ResponseError, createMessageConnection, type Logger, type MessageConnection, type ResponseMessage } from 'vscode-jsonrpc/node';

import * as protocol from '../common/protocol';
import { BacklogValve } from './backlogValve';
import { DeletionBatcher } from './deletionBatcher';
import { DeletionTracer, programOptions } from './deletionTracer';
import { FramedMessageReader } from './framedMessageReader';
import { MeteredMessageWriter } from './outputBacklog';
import { describePrivileges, loadThenGiveUpPrivileges, PrivilegeDropError, type LoadFailure } from './loadThenDrop';
import { describe, validateInitialize, validateNoParams, validateSetScope, validateStart } from './validation';

/**
 * Ten trace/deletions notifications of 1,000: enough that the client always
 * has the next one at hand, while the helper holds about 25 MB of events for
 * it (beside the 80 MB of a helper that traces). A pause may overshoot by
 * one batch of records from the addon (a few thousand events).
 */
export const PAUSE_ABOVE_EVENTS = 10_000;
export const RESUME_AT_EVENTS = 2_000;
export const MAX_QUEUED_MESSAGES = 1024;
/** How long `shutdown` waits for its answer to be read before exiting anyway. */
const SHUTDOWN_FLUSH_MS = 1000;
/** Log lines are dropped while stderr holds this much unread: a client that never reads it cannot make the helper grow. */
const MAX_UNREAD_LOG_BYTES = 64 * 1024;

export function serveOverStdio(output: NodeJS.WritableStream, attachMode: protocol.ModeChoice, queueMib: number): void {
  const server = new HelperServer(process.stdin, output, attachMode, queueMib);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => server.exit());
  try {
    server.loadThenGiveUpPrivileges();
  } catch (error) {
    if (!(error instanceof PrivilegeDropError)) throw error;
    process.stderr.write(`syscall-trace: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${protocol.HELPER_READY_LINE}\n`);
  server.listen();
}

function log(message: string): void {
  if (process.stderr.writableLength > MAX_UNREAD_LOG_BYTES) return;
  process.stderr.write(`syscall-trace: ${message}\n`);
}

const logger: Logger = { error: log, warn: log, info: log, log };

class HelperServer {
  private readonly reader: FramedMessageReader;
  private readonly writer: MeteredMessageWriter;
  private readonly connection: MessageConnection;
  private readonly tracer: DeletionTracer;
  private readonly batcher: DeletionBatcher;
  private initialized = false;
  private shuttingDown = false;
  /** Why the programs could not be loaded: trace/start answers with it. */
  private loadFailure: LoadFailure | undefined;
  private readonly kernelPace: BacklogValve;
  private readonly inputPace: BacklogValve;
  private kernelLost = 0;
  private lostAnnounced = 0;
  private lostNotificationPending = false;
  private exiting = false;

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, attachMode: protocol.ModeChoice, queueMib: number) {
    this.reader = new FramedMessageReader(input);
    this.writer = new MeteredMessageWriter(output);
    this.connection = createMessageConnection(this.reader, this.writer, logger);
    this.batcher = new DeletionBatcher((events) => this.sendDeletions(events));
    this.tracer = new DeletionTracer(
      {
        onDeletions: (events) => this.queueDeletions(events),
        onLost: (lost) => {
          this.kernelLost = lost;
          this.announceLost();
        },
        onProblem: log,
      },
      programOptions(queueMib),
    );
    this.tracer.useAttachMode(attachMode);
    this.kernelPace = new BacklogValve({ pauseAbove: PAUSE_ABOVE_EVENTS, resumeAtOrBelow: RESUME_AT_EVENTS }, this.tracer);
    this.inputPace = new BacklogValve(
      { pauseAbove: MAX_QUEUED_MESSAGES, resumeAtOrBelow: MAX_QUEUED_MESSAGES / 2 },
      { pause: () => input.pause(), resume: () => input.resume() },
    );
  }

  /** Loads the programs where it may, then gives up privileges in every thread; throws PrivilegeDropError if that fails. */
  loadThenGiveUpPrivileges(): void {
    const { loadFailure, privileges } = loadThenGiveUpPrivileges(this.tracer);
    this.loadFailure = loadFailure;
    if (loadFailure === undefined) {
      log(`loaded in ${this.tracer.modeChoice} mode (${this.tracer.attachMode} programs); ${describePrivileges(privileges)}`);
      for (const blindSpot of this.tracer.unseen) log(`not seen: ${blindSpot}`);
    }
    else log(`could not load the BPF programs (${loadFailure.message}); ${describePrivileges(privileges)}`);
  }

  listen(): void {
    const connection = this.connection;
    // vscode-jsonrpc answers only what reaches it; the frames the reader
    // dropped get their JSON-RPC error here (id null where none could be read).
    this.reader.onMalformedMessage(({ code, message, id }) => {
      const answer: ResponseMessage = { jsonrpc: '2.0', id, error: { code, message } };
      this.writer.write(answer).catch(() => undefined);
    });
    this.writer.onBacklogChanged(() => this.regulate());
    this.writer.onError(() => this.exit());
    connection.onClose(() => this.exit());
    // One handler for every method, given the params exactly as they came:
    // the typed registration would reject a missing params object that this
    // protocol allows, and spread an array over the handler's arguments.
    const handlers = new Map<string, (params: unknown) => unknown>([
      [protocol.InitializeRequest.method, (params) => this.initialize(params)],
      [protocol.StartRequest.method, (params) => this.start(params)],
      [protocol.SetScopeRequest.method, (params) => this.setScope(params)],
      [protocol.StopRequest.method, (params) => this.stop(params)],
      [protocol.StatsRequest.method, (params) => this.stats(params)],
      [protocol.ShutdownRequest.method, (params) => this.shutdown(params)],
    ]);
    connection.onRequest((method, params) => {
      const handler = handlers.get(method);
      if (handler === undefined) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method ${describe(method)}`);
      return handler(params);
    });
    connection.listen();
  }

  /** Detaches and exits; everything attached goes with the process. */
  exit(): void {
    if (this.exiting) return;
    this.exiting = true;
    this.batcher.dispose();
    this.tracer.close();
    process.exit(0);
  }

  private initialize(params: unknown): protocol.InitializeResult {
    if (this.shuttingDown) throw wrongState('initialize: the helper is shutting down');
    const { attachMode } = validateInitialize(params);
    if (attachMode !== undefined && attachMode !== this.tracer.modeChoice) {
      throw wrongState(`initialize: this helper was started in ${this.tracer.modeChoice} mode (--mode); start another with --mode ${attachMode}`);
    }
    this.initialized = true;
    return {
      protocolVersion: protocol.PROTOCOL_VERSION,
      helperVersion: helperVersion(),
      kernelRelease: os.release(),
      arch: os.machine(),
      pid: process.pid,
      modeChoice: this.tracer.modeChoice,
      attachMode: this.tracer.attachMode,
      unseen: this.tracer.unseen,
      mountNamespace: ownMountNamespace(),
    };
  }

  private start(params: unknown): protocol.StartResult {
    this.requireInitialized('trace/start');
    const options = validateStart(params);
    if (this.tracer.tracing) {
      throw wrongState('trace/start: already tracing; send trace/stop first, or trace/setScope to change the scope');
    }
    if (this.tracer.state === 'stopping') throw wrongState('trace/start: the previous trace is still stopping; wait for its trace/stop answer');
    const failure = this.loadFailure;
    if (failure !== undefined) {
      if (failure.notPermitted) throw new ResponseError(protocol.HelperErrorCodes.NotPermitted, failure.message);
      throw new ResponseError(protocol.HelperErrorCodes.TracingFailed, `trace/start: ${failure.message}`);
    }
    try {
      this.tracer.start(options);
    } catch (error) {
      throw new ResponseError(protocol.HelperErrorCodes.TracingFailed, `trace/start: ${(error as Error).message.trimEnd()}`);
    }
    return { startedAt: new Date().toISOString() };
  }

  private setScope(params: unknown): Record<string, never> {
    this.requireInitialized('trace/setScope');
    const { scope } = validateSetScope(params);
    if (!this.tracer.tracing) throw wrongState('trace/setScope: not tracing; send trace/start with this scope instead');
    this.tracer.setScope(scope);
    return {};
  }

  private async stop(params: unknown): Promise<protocol.TraceStats> {
    this.requireInitialized('trace/stop');
    validateNoParams('trace/stop', params);
    if (this.tracer.state === 'stopping') throw wrongState('trace/stop: already stopping');
    if (!this.tracer.tracing) throw wrongState('trace/stop: not tracing; send trace/start first');
    await this.tracer.stop();
    // The last deletions go out before the answer: the client sees them all before the totals.
    this.batcher.flush();
    return this.currentStats();
  }

  private stats(params: unknown): protocol.TraceStats {
    this.requireInitialized('trace/stats');
    validateNoParams('trace/stats', params);
    return this.currentStats();
  }

  private async shutdown(params: unknown): Promise<null> {
    validateNoParams('shutdown', params);
    this.shuttingDown = true;
    await this.tracer.stop();
    this.batcher.flush();
    this.tracer.close();
    // The answer is queued once this handler returns; exit once it is written.
    setImmediate(() => {
      setTimeout(() => this.exit(), SHUTDOWN_FLUSH_MS).unref();
      void this.writer.whenIdle().then(() => this.exit());
    });
    return null;
  }

  private requireInitialized(method: string): void {
    if (this.shuttingDown) throw wrongState(`${method}: the helper is shutting down`);
    if (!this.initialized) throw wrongState(`${method}: send initialize first`);
  }

  private currentStats(): protocol.TraceStats {
    return this.tracer.stats();
  }

  private queueDeletions(events: protocol.DeletionEvent[]): void {
    this.batcher.add(events);
    this.regulate();
  }

  private sendDeletions(events: protocol.DeletionEvent[]): void {
    this.connection.sendNotification(protocol.DeletionsNotification, { events }).catch(() => undefined);
  }

  /** One trace/lost at a time in the queue, with the latest total: a client that does not read gets no pile of them. */
  private announceLost(): void {
    const total = this.kernelLost;
    if (total <= this.lostAnnounced || this.lostNotificationPending) return;
    this.lostAnnounced = total;
    this.lostNotificationPending = true;
    this.connection
      .sendNotification(protocol.LostNotification, { lost: total })
      .catch(() => undefined)
      .finally(() => {
        this.lostNotificationPending = false;
        this.announceLost();
      });
  }

  private regulate(): void {
    this.kernelPace.update(this.writer.pendingEvents + this.batcher.size);
    this.inputPace.update(this.writer.pendingMessages);
  }
}

function wrongState(message: string): ResponseError<void> {
  return new ResponseError(protocol.HelperErrorCodes.WrongState, message);
}

function helperVersion(): string {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The inode number of the helper's own mount namespace: the host's. */
function ownMountNamespace(): number {
  return fs.statSync('/proc/self/ns/mnt').ino;
}
