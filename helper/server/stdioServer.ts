// `node dist/helper.js --stdio [--mode raw|tracepoint]`: the JSON-RPC face of
// the helper, for the extension. Requests come only from stdin, and only
// JSON-RPC goes to stdout (docs/wire-protocol.md, "Wire protocol"). It drives the
// same DeletionTracer as the terminal command.
//
// Start: it loads its programs in its mode and gives up its privileges
// before it reads stdin, then says so in HELPER_READY_LINE on stderr: stdin
// may hold the rest of what sudo was given until then, and a root helper
// never reads a request.
//
// Lifecycle: the end of stdin means the client is gone, and so does a
// closed stdout; either detaches and exits. `shutdown`, SIGTERM, SIGINT or
// SIGHUP detach, send the client the deletions the kernel had handed over
// and the latest loss (for at most END_PATIENCE_MS where a signal asked),
// then exit; a second signal exits at once. Whatever is not delivered by
// the exit is counted, on stderr. SIGKILL cannot be caught, but the kernel
// closes the helper's file descriptors and the BPF links die with them.
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
// answers would only queue up too. The protocol's plumbing (reading,
// writing, batching, dispatch) is jsonRpcEndpoint.ts, and the order of its
// checks and the words of its refusals protocolSession.ts, which the
// recorder's socket sessions share.
import { ResponseError } from 'vscode-jsonrpc/node';

import * as protocol from '../../common/protocol';
import { BacklogValve } from './backlogValve';
import { DeletionTracer, programOptions, type TracerState } from '../tracing/deletionTracer';
import { answerInitialize } from './helperIdentity';
import { log } from '../helperLog';
import { MAX_QUEUED_MESSAGES } from './jsonRpcEndpoint';
import {
  describeLoaded,
  describePrivileges,
  loadThenGiveUpPrivileges,
  PrivilegeDropError,
  type LoadFailure,
} from '../privileges/loadThenDrop';
import { ProtocolSession } from './protocolSession';
import { messageOf } from '../../common/errors';

export { MAX_QUEUED_MESSAGES };

/**
 * Ten trace/deletions notifications of 1,000: enough that the client always
 * has the next one at hand, while the helper holds about 25 MB of events for
 * it (beside the 80 MB of a helper that traces). A pause may overshoot by
 * one batch of records from the addon (a few thousand events).
 */
export const PAUSE_ABOVE_EVENTS = 10_000;
export const RESUME_AT_EVENTS = 2_000;
/** How long a signal's end waits for the client to take the last deletions before exiting anyway. */
const END_PATIENCE_MS = 1000;

export function serveOverStdio(output: NodeJS.WritableStream, attachMode: protocol.ModeChoice, queueMib: number): void {
  const server = new HelperServer(process.stdin, output, attachMode, queueMib);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void server.end());
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

class HelperServer extends ProtocolSession {
  private readonly tracer: DeletionTracer;
  /** Why the programs could not be loaded: trace/start answers with it. */
  private loadFailure: LoadFailure | undefined;
  private readonly kernelPace: BacklogValve;
  private exiting = false;
  private ending = false;

  constructor(
    input: NodeJS.ReadStream,
    output: NodeJS.WritableStream,
    attachMode: protocol.ModeChoice,
    queueMib: number,
  ) {
    super(input, output, 'the helper');
    this.tracer = new DeletionTracer(
      {
        onDeletions: (events) => this.client.queueDeletions(events),
        onLost: (lost) => this.client.announceLost(lost),
        onProblem: log,
      },
      programOptions(queueMib),
    );
    this.tracer.useAttachMode(attachMode);
    this.kernelPace = new BacklogValve(
      { pauseAbove: PAUSE_ABOVE_EVENTS, resumeAtOrBelow: RESUME_AT_EVENTS },
      this.tracer,
    );
    this.client.onBacklogChanged(() => this.kernelPace.update(this.client.waitingDeletions));
  }

  /** Loads the programs where it may, then gives up privileges in every thread; throws PrivilegeDropError if that fails. */
  loadThenGiveUpPrivileges(): void {
    const { loadFailure, privileges } = loadThenGiveUpPrivileges(this.tracer);
    this.loadFailure = loadFailure;
    if (loadFailure === undefined) {
      log(`loaded (${describeLoaded(this.tracer)}); ${describePrivileges(privileges)}`);
      for (const blindSpot of this.tracer.unseen) log(`not seen: ${blindSpot}`);
    } else log(`could not load the BPF programs (${loadFailure.message}); ${describePrivileges(privileges)}`);
  }

  /** Serves the client on stdin and stdout from now on. */
  listen(): void {
    this.serve();
  }

  /**
   * A signal's end: detaches, sends what the kernel had handed over and the
   * latest loss, and exits once the client has taken them, or after
   * END_PATIENCE_MS; a second call exits at once.
   */
  async end(): Promise<void> {
    if (this.ending) return this.exit();
    this.ending = true;
    this.beginShuttingDown();
    if (this.tracer.state !== 'idle') {
      let timer: NodeJS.Timeout | undefined;
      const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, END_PATIENCE_MS)));
      await Promise.race([this.tracer.stop(), patience]);
      this.client.flushDeletions();
      this.client.announceLost(this.tracer.stats().lost);
      await Promise.race([this.client.whenWritten(), patience]);
      clearTimeout(timer);
    }
    this.exit();
  }

  /**
   * Detaches and exits; everything attached goes with the process. What the
   * client was not sent (in the addon, the kernel, or waiting to be
   * written) is counted lost, and the totals go to the log.
   */
  exit(): void {
    if (this.exiting) return;
    this.exiting = true;
    const unsent = this.client.waitingDeletions;
    const stats = this.tracer.close();
    this.client.dispose();
    if (stats.events + stats.lost > 0) {
      const unsentText = unsent > 0 ? ` (${unsent} of them taken from the kernel but not sent)` : '';
      log(`exits: ${stats.events - unsent} deletions sent, ${stats.lost + unsent} lost${unsentText}`);
    }
    process.exit(0);
  }

  protected get traceState(): TracerState {
    return this.tracer.state;
  }

  protected initializeResult(params: unknown): protocol.InitializeResult {
    // No helper can trace on this kernel: the client hears it at once, not at its first start.
    if (this.loadFailure?.kind === 'unsupportedKernel')
      throw new ResponseError(protocol.HelperErrorCodes.UnsupportedKernel, this.loadFailure.message);
    return answerInitialize(params, this.tracer);
  }

  protected startTrace(options: Required<protocol.StartParams>): void {
    const failure = this.loadFailure;
    if (failure !== undefined) {
      if (failure.kind === 'notPermitted')
        throw new ResponseError(protocol.HelperErrorCodes.NotPermitted, failure.message);
      if (failure.kind === 'unsupportedKernel')
        throw new ResponseError(protocol.HelperErrorCodes.UnsupportedKernel, failure.message);
      throw new ResponseError(protocol.HelperErrorCodes.TracingFailed, `trace/start: ${failure.message}`);
    }
    try {
      this.tracer.start(options);
    } catch (error) {
      throw new ResponseError(protocol.HelperErrorCodes.TracingFailed, `trace/start: ${messageOf(error).trimEnd()}`);
    }
  }

  protected changeScope(scope: protocol.Scope): void {
    this.tracer.setScope(scope);
  }

  protected async stopTrace(): Promise<protocol.TraceStats> {
    await this.tracer.stop();
    // The last deletions go out before the answer: the client sees them all before the totals.
    this.client.flushDeletions();
    return this.tracer.stats();
  }

  protected traceStats(): protocol.TraceStats {
    return this.tracer.stats();
  }

  protected async windDown(): Promise<void> {
    await this.tracer.stop();
    this.client.flushDeletions();
    this.tracer.close();
  }

  protected endSession(): void {
    this.exit();
  }
}
