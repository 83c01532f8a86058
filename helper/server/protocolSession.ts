// One client's session of the helper's protocol (docs/wire-protocol.md,
// "Methods"), whoever serves it: the extension's helper on stdio
// (stdioServer.ts) or one connection to the recorder's socket
// (recorder/recorderSession.ts). Both answer the same methods with the same
// refusals (docs/wire-protocol.md, "Errors"), so those are here, once:
//   - the handler of each method, on one JsonRpcEndpoint;
//   - the order every request is checked in: shutting down, then initialized,
//     then its params, then the state of the trace;
//   - the words of each refusal, and its code;
//   - `shutdown`: refuse everything else from then on, wind down, answer, and
//     end the session once the answer is written.
// A session supplies what differs: what its trace is, and how it starts,
// changes scope, stops and ends.
import * as protocol from '../../common/protocol';
import type { TracerState } from '../tracing/deletionTracer';
import type { Pausable } from './backlogValve';
import { wrongState } from './helperIdentity';
import { logger } from '../helperLog';
import { JsonRpcEndpoint } from './jsonRpcEndpoint';
import { validateNoParams, validateSetScope, validateStart } from './validation';

/** How long `shutdown` waits for its answer to be read before ending the session anyway. */
const SHUTDOWN_FLUSH_MS = 1000;

/** A method's handler: given the params exactly as they came. */
export type RequestHandler = (params: unknown) => unknown;

export abstract class ProtocolSession {
  protected readonly client: JsonRpcEndpoint;
  private answeredInitialize = false;
  private shuttingDown = false;

  /**
   * `whatShutsDown` names what a request that comes too late is told is
   * shutting down: "the helper", or "this connection".
   */
  protected constructor(
    input: NodeJS.ReadableStream & Pausable,
    output: NodeJS.WritableStream,
    private readonly whatShutsDown: string,
  ) {
    this.client = new JsonRpcEndpoint(input, output, logger);
  }

  /** Whether `initialize` has been answered. */
  protected get initialized(): boolean {
    return this.answeredInitialize;
  }

  /** Where this session's trace is: trace/start needs it idle, trace/setScope and trace/stop tracing. */
  protected abstract get traceState(): TracerState;
  /** The answer to `initialize`, or its refusal; called once the session knows it is not shutting down. */
  protected abstract initializeResult(params: unknown): protocol.InitializeResult;
  /** Starts the trace, or throws the refusal; called once the session knows it is idle. */
  protected abstract startTrace(options: Required<protocol.StartParams>): void;
  /** Changes the trace's scope; called while it is tracing. */
  protected abstract changeScope(scope: protocol.Scope): void;
  /** Stops the trace, sends the client what it had yet to, and gives the totals; called while it is tracing. */
  protected abstract stopTrace(): protocol.TraceStats | Promise<protocol.TraceStats>;
  /** The totals so far, for trace/stats. */
  protected abstract traceStats(): protocol.TraceStats;
  /** `shutdown`'s own work, before its answer: stop tracing, and send the client what it had yet to. */
  protected abstract windDown(): void | Promise<void>;
  /** Ends the session: once the client has gone, or once `shutdown`'s answer is written. */
  protected abstract endSession(): void;

  /** Serves the protocol's methods, and `moreHandlers` beside them, from now on. */
  protected serve(moreHandlers: readonly (readonly [string, RequestHandler])[] = []): void {
    this.client.listen(
      new Map<string, RequestHandler>([
        [protocol.InitializeRequest.method, (params) => this.initialize(params)],
        [protocol.StartRequest.method, (params) => this.start(params)],
        [protocol.SetScopeRequest.method, (params) => this.setScope(params)],
        [protocol.StopRequest.method, (params) => this.stop(params)],
        [protocol.StatsRequest.method, (params) => this.currentStats(params)],
        [protocol.ShutdownRequest.method, (params) => this.shutdown(params)],
        ...moreHandlers,
      ]),
      () => this.endSession(),
    );
  }

  /** From now on every request is refused as one that came while shutting down. */
  protected beginShuttingDown(): void {
    this.shuttingDown = true;
  }

  /** Refuses a method that needs `initialize` first, while shutting down or before it. */
  protected requireInitialized(method: string): void {
    if (this.shuttingDown) throw wrongState(`${method}: ${this.whatShutsDown} is shutting down`);
    if (!this.answeredInitialize) throw wrongState(`${method}: send initialize first`);
  }

  private initialize(params: unknown): protocol.InitializeResult {
    if (this.shuttingDown) throw wrongState(`initialize: ${this.whatShutsDown} is shutting down`);
    const result = this.initializeResult(params);
    this.answeredInitialize = true;
    return result;
  }

  private start(params: unknown): protocol.StartResult {
    this.requireInitialized('trace/start');
    const options = validateStart(params);
    if (this.traceState === 'tracing') {
      throw wrongState('trace/start: already tracing; send trace/stop first, or trace/setScope to change the scope');
    }
    if (this.traceState === 'stopping')
      throw wrongState('trace/start: the previous trace is still stopping; wait for its trace/stop answer');
    this.startTrace(options);
    return { startedAt: new Date().toISOString() };
  }

  private setScope(params: unknown): Record<string, never> {
    this.requireInitialized('trace/setScope');
    const { scope } = validateSetScope(params);
    if (this.traceState !== 'tracing')
      throw wrongState('trace/setScope: not tracing; send trace/start with this scope instead');
    this.changeScope(scope);
    return {};
  }

  private stop(params: unknown): protocol.TraceStats | Promise<protocol.TraceStats> {
    this.requireInitialized('trace/stop');
    validateNoParams('trace/stop', params);
    if (this.traceState === 'stopping') throw wrongState('trace/stop: already stopping');
    if (this.traceState !== 'tracing') throw wrongState('trace/stop: not tracing; send trace/start first');
    return this.stopTrace();
  }

  private currentStats(params: unknown): protocol.TraceStats {
    this.requireInitialized('trace/stats');
    validateNoParams('trace/stats', params);
    return this.traceStats();
  }

  private shutdown(params: unknown): null | Promise<null> {
    validateNoParams('shutdown', params);
    this.beginShuttingDown();
    const woundDown = this.windDown();
    if (woundDown instanceof Promise) return woundDown.then(() => this.endOnceAnswered());
    return this.endOnceAnswered();
  }

  /** `shutdown`'s answer; the session ends once it is written, or after SHUTDOWN_FLUSH_MS. */
  private endOnceAnswered(): null {
    // The answer is queued once the handler returns; end once it is written.
    setImmediate(() => {
      setTimeout(() => this.endSession(), SHUTDOWN_FLUSH_MS).unref();
      void this.client.whenWritten().then(() => this.endSession());
    });
    return null;
  }
}
