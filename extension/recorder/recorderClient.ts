// The recorder as a client sees it: a connection to its unix socket
// (`syscallTrace.recorderSocket`), speaking the protocol of the helper's
// stdio through the same client (tracingClient.ts), plus history/query and
// the recorder's status. No elevation: the recorder runs as root already,
// and admits this person by the uid the kernel gives it for the socket
// (docs/flight-recorder.md, "Flight recorder").
import * as net from 'node:net';
import {
  createMessageConnection,
  ResponseError,
  SocketMessageReader,
  SocketMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

import * as protocol from '../../common/protocol';
import { recorderAccountUid } from '../../common/recorderAccount';
import { checkRecorderSocket } from './trustedSocket';
import { initializeConnection, TracingClient, withTimeout, type TracingListener } from '../tracingClient';
import { messageOf } from '../../common/errors';

export interface RecorderListener extends TracingListener {
  /** The recorder's status changed: deletions it could not record, and why. */
  onStatus(status: protocol.RecorderStatus): void;
}

export type RecorderOutcome =
  | { kind: 'admitted'; recorder: RecorderConnection }
  /** No recorder there (no socket, nobody listening, not root's): the extension goes on without one. */
  | { kind: 'absent'; reason: string; worthSaying: boolean }
  /** The recorder refused this person; `message` is its own, which says who can admit them. */
  | { kind: 'notAdmitted'; message: string }
  /** A recorder is there but cannot be used: another protocol version, no answer. */
  | { kind: 'unusable'; reason: string };

export interface ConnectOptions {
  /** The uid of the person the extension host runs as. */
  personUid: number;
  /** How long the recorder may take to answer initialize. */
  timeoutMs?: number;
}

/** How long the recorder may take to answer initialize where the caller does not say: one that has not answered by then is reported unusable. */
const INITIALIZE_MS = 5000;

/** Long enough for the messages read before the end to be handled. */
const MESSAGES_AFTER_CLOSE_MS = 100;

/** How long a history page may take: the recorder writes what it holds first, then reads up to HISTORY_PAGE_MAX rows. */
const HISTORY_TIMEOUT_MS = 60_000;

export class RecorderConnection extends TracingClient {
  private latestStatus: protocol.RecorderStatus;

  private constructor(
    connection: MessageConnection,
    private readonly socket: net.Socket,
    info: protocol.InitializeResult & { recorder: protocol.RecorderStatus },
    /** Resolves when the connection is gone, whoever closed it. */
    readonly closed: Promise<void>,
  ) {
    super(connection, info);
    this.latestStatus = info.recorder;
  }

  static async connect(
    socketPath: string,
    listener: RecorderListener,
    options: ConnectOptions,
  ): Promise<RecorderOutcome> {
    const check = checkRecorderSocket(socketPath, { personUid: options.personUid, recorderUid: recorderAccountUid() });
    if (!check.usable) return { kind: 'absent', reason: check.reason, worthSaying: !check.missing };
    let socket: net.Socket;
    try {
      socket = await openSocket(check.path);
    } catch (error) {
      // ECONNREFUSED: a socket left behind by a recorder that is not running.
      return { kind: 'absent', reason: `${check.path}: ${messageOf(error)}`, worthSaying: false };
    }
    const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    // vscode-jsonrpc hands over what it has read one message per turn of the event loop: what
    // the recorder wrote before it closed the connection (recorder/refused, the one message a
    // peer it will not serve gets) is handled first. Then requests still waiting are
    // rejected, not left hanging.
    const closed = new Promise<void>((resolve) =>
      socket.once('close', () => setTimeout(resolve, MESSAGES_AFTER_CLOSE_MS)),
    );
    void closed.then(() => connection.dispose());
    let status: protocol.RecorderStatus | undefined;
    let recorder: RecorderConnection | undefined;
    let refusal: protocol.RefusedParams | undefined;
    connection.onNotification(protocol.RecorderRefusedNotification, (params) => (refusal = params));
    connection.onNotification(protocol.RecorderStatusNotification, (next) => {
      status = next;
      if (recorder === undefined) return;
      recorder.latestStatus = next;
      listener.onStatus(next);
    });
    try {
      const info = await withTimeout(
        initializeConnection(
          connection,
          listener,
          { protocolVersion: protocol.PROTOCOL_VERSION },
          closed.then(() => Promise.reject(new Error('the recorder closed the connection before it answered'))),
          { name: 'the recorder', remedy: 'run Syscall Trace: Record Deletions Continuously… again to update it' },
        ),
        options.timeoutMs ?? INITIALIZE_MS,
      );
      if (info.recorder === undefined) throw new Error(`${check.path} is served by a helper that is not the recorder`);
      recorder = new RecorderConnection(connection, socket, { ...info, recorder: status ?? info.recorder }, closed);
      return { kind: 'admitted', recorder };
    } catch (error) {
      connection.dispose();
      socket.destroy();
      if (refusal?.code === protocol.HelperErrorCodes.NotAdmitted)
        return { kind: 'notAdmitted', message: refusal.message };
      if (refusal !== undefined) return { kind: 'unusable', reason: refusal.message };
      // A recorder of before recorder/refused answered each request NotAdmitted.
      if (error instanceof ResponseError && error.code === protocol.HelperErrorCodes.NotAdmitted)
        return { kind: 'notAdmitted', message: error.message };
      return { kind: 'unusable', reason: messageOf(error) };
    }
  }

  /** What the recorder keeps, and what it could not: as initialize said, then as its recorder/status notifications say. */
  get status(): protocol.RecorderStatus {
    return this.latestStatus;
  }

  /** One page of history: the newest deletions that match, oldest first. Rejects with HistoryUnavailable where the recording cannot be read. */
  async history(params: protocol.HistoryParams): Promise<protocol.HistoryResult> {
    return withTimeout(this.connection.sendRequest(protocol.HistoryRequest, params), HISTORY_TIMEOUT_MS);
  }

  /** Closes this client's connection: the recorder unsubscribes it and goes on recording. */
  async close(): Promise<void> {
    // No trace/stop first: the recorder's shutdown unsubscribes this client as its stop would, and no totals are wanted here.
    await this.endConversation({ peerGone: this.socket.destroyed, stopFirst: false });
    this.socket.destroy();
    await this.closed;
  }
}

/** Connects to a unix socket; rejects with the reason (ENOENT, ECONNREFUSED, EACCES) where nobody answers there. */
function openSocket(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    socket.once('connect', () => {
      socket.off('error', reject);
      // A recorder that ends mid-write must not take the extension host down: 'close' follows and says it.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
