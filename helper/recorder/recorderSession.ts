// One admitted client of the recorder's socket (docs/flight-recorder.md, "Serving"):
// the stdio helper's protocol, on the same ProtocolSession, with the
// recorder's meaning. The recorder traces the whole system all the time, so
// here `trace/start` subscribes this client to the live deletions in its
// scope, `trace/stop` unsubscribes it, `shutdown` closes this connection
// alone, and `history/query` answers from the recording.
//
// A peer admitted by --allow-uid is shown only the deletions of processes
// of its own uid, live and in history (`sees: 'own'`); root and the members
// of --allow-group are shown everyone's (`sees: 'system'`). Another user's
// deletions are not even counted in its `filtered`: their number would say
// what others do.
//
// A client that does not keep up never holds up the recorder: while
// MAX_WAITING_DELETIONS wait for it, the deletions it has no room for are
// dropped and counted in its own `lost` (trace/lost, TraceStats.lost),
// together with what the kernel lost while it listened.
import type * as net from 'node:net';
import { ResponseError } from 'vscode-jsonrpc/node';

import { isEventInScope, type PathScope } from '../../common/directories';
import * as protocol from '../../common/protocol';
import { compileScope, type TracerState } from '../tracing/deletionTracer';
import { answerInitialize } from '../server/helperIdentity';
import { ProtocolSession } from '../server/protocolSession';
import { PAUSE_ABOVE_EVENTS } from '../server/stdioServer';
import { validateHistory } from '../server/validation';
import type { Recorder, RecorderListener } from './recorder';
import { RecordingError } from './recording';

/** The bound at which the stdio helper stops taking records for its client: here, where a client's deletions start to be dropped. */
export const MAX_WAITING_DELETIONS = PAUSE_ABOVE_EVENTS;

/** Who is at the other end: the uid the kernel gave for the connection, and whose deletions it is shown. */
export interface SessionPeer {
  uid: number;
  view: protocol.RecorderView;
}

interface Subscription {
  /** The scope's directories with their real-path aliases; undefined: the whole system. */
  scope: PathScope;
  includeFailed: boolean;
}

export class RecorderSession extends ProtocolSession implements RecorderListener {
  private readonly stopListening: () => void;
  private closed = false;
  private subscription: Subscription | undefined;
  private readonly stats: protocol.TraceStats = { events: 0, lost: 0, filtered: 0, lostCommandLines: 0 };
  private latestStatus: protocol.RecorderStatus | undefined;
  private statusNotificationPending = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly recorder: Recorder,
    private readonly peer: SessionPeer,
    private readonly onClosed: () => void,
  ) {
    super(socket, socket, 'this connection');
    this.stopListening = recorder.listen(this);
    this.serve([[protocol.HistoryRequest.method, (params) => this.history(params)]]);
  }

  /** Ends the connection; the recorder goes on. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    this.client.dispose();
    this.socket.destroy();
    this.onClosed();
  }

  onDeletions(events: readonly protocol.DeletionEvent[]): void {
    const subscription = this.subscription;
    if (subscription === undefined) return;
    const wanted: protocol.DeletionEvent[] = [];
    let room = MAX_WAITING_DELETIONS - this.client.waitingDeletions;
    let dropped = 0;
    const ownOnly = this.peer.view === 'own';
    for (const event of events) {
      if (ownOnly && event.uid !== this.peer.uid) continue;
      if ((event.result < 0 && !subscription.includeFailed) || !isEventInScope(event, subscription.scope)) {
        this.stats.filtered++;
      } else if (room > 0) {
        wanted.push(event);
        room--;
      } else {
        dropped++;
      }
    }
    if (wanted.length > 0) {
      this.stats.events += wanted.length;
      this.client.queueDeletions(wanted);
    }
    if (dropped > 0) this.addLost(dropped);
  }

  onKernelLoss(deletions: number, commandLines: number): void {
    if (this.subscription === undefined) return;
    this.stats.lostCommandLines += commandLines;
    if (deletions > 0) this.addLost(deletions);
  }

  /** The latest status, one notification waiting at a time: a client that does not read gets no pile of them. */
  onStatus(status: protocol.RecorderStatus): void {
    if (!this.initialized || this.closed) return;
    this.latestStatus = { ...status, sees: this.peer.view };
    if (this.statusNotificationPending) return;
    this.statusNotificationPending = true;
    const latest = this.latestStatus;
    this.latestStatus = undefined;
    void this.client.send(protocol.RecorderStatusNotification, latest).finally(() => {
      this.statusNotificationPending = false;
      if (this.latestStatus !== undefined) this.onStatus(this.latestStatus);
    });
  }

  private addLost(count: number): void {
    this.stats.lost += count;
    this.client.announceLost(this.stats.lost);
  }

  /** This client's trace is its subscription to the live deletions. */
  protected get traceState(): TracerState {
    return this.subscription === undefined ? 'idle' : 'tracing';
  }

  protected initializeResult(params: unknown): protocol.InitializeResult {
    const result = answerInitialize(params, this.recorder.tracer);
    return { ...result, recorder: { ...this.recorder.status(), sees: this.peer.view } };
  }

  protected startTrace({ scope, includeFailed }: Required<protocol.StartParams>): void {
    this.subscription = { scope: scopeOf(scope), includeFailed };
  }

  protected changeScope(scope: protocol.Scope): void {
    // Called only while tracing, which here is being subscribed.
    this.subscription!.scope = scopeOf(scope);
  }

  protected stopTrace(): protocol.TraceStats {
    this.subscription = undefined;
    // What was queued for it goes out before the answer: the client sees it all before the totals.
    this.client.flushDeletions();
    return { ...this.stats };
  }

  protected traceStats(): protocol.TraceStats {
    return { ...this.stats };
  }

  protected windDown(): void {
    this.subscription = undefined;
    this.client.flushDeletions();
  }

  protected endSession(): void {
    this.close();
  }

  /** Answered once the query thread has read the page; the session serves other requests meanwhile. */
  private async history(params: unknown): Promise<protocol.HistoryResult> {
    this.requireInitialized('history/query');
    const options = validateHistory(params);
    try {
      return await this.recorder.history(this.peer.view === 'own' ? { ...options, uid: this.peer.uid } : options);
    } catch (error) {
      if (!(error instanceof RecordingError)) throw error;
      throw new ResponseError(protocol.HelperErrorCodes.HistoryUnavailable, `history/query: ${error.message}`);
    }
  }
}

function scopeOf(scope: protocol.Scope): PathScope {
  return scope === 'system' ? undefined : compileScope(scope.paths);
}
