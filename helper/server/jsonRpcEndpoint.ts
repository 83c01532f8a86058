// One client of the helper's JSON-RPC face: the extension on stdio
// (stdioServer.ts), or one connection to the recorder's socket
// (recorder/recorderSession.ts). Both speak the one protocol
// (docs/wire-protocol.md, "Wire protocol"), so both are set up here, the one way:
//   - input is read by FramedMessageReader, which survives whatever arrives,
//     and each frame it drops is answered with its JSON-RPC error;
//   - output goes through MeteredMessageWriter, which counts what waits for
//     the client;
//   - one handler per method is given the params exactly as they came (the
//     typed registration would reject a missing params object that this
//     protocol allows, and spread an array over the handler's arguments);
//     an unknown method is answered -32601;
//   - trace/deletions are batched (deletionBatcher.ts), and trace/lost waits
//     in the queue one at a time, with the latest total;
//   - while more than MAX_QUEUED_MESSAGES messages wait for the client, no
//     more requests are read: their answers would only queue up too.
import {
  ErrorCodes,
  ResponseError,
  createMessageConnection,
  type Logger,
  type MessageConnection,
  type NotificationType,
  type ResponseMessage,
} from 'vscode-jsonrpc/node';

import { DeletionsNotification, LostNotification, type DeletionEvent } from '../../common/protocol';
import { BacklogValve, type Pausable } from './backlogValve';
import { DeletionBatcher } from './deletionBatcher';
import { FramedMessageReader } from './framedMessageReader';
import { MeteredMessageWriter } from './outputBacklog';
import { describe } from './validation';

export const MAX_QUEUED_MESSAGES = 1024;

/** The handler of each method, by its method string (a Map will do). */
export interface RequestHandlers {
  get(method: string): ((params: unknown) => unknown) | undefined;
}

export class JsonRpcEndpoint {
  private readonly reader: FramedMessageReader;
  private readonly writer: MeteredMessageWriter;
  private readonly connection: MessageConnection;
  private readonly batcher: DeletionBatcher;
  private readonly inputPace: BacklogValve;
  private readonly backlogListeners: (() => void)[] = [];
  private lostTotal = 0;
  private lostAnnounced = 0;
  private lostNotificationPending = false;

  constructor(input: NodeJS.ReadableStream & Pausable, output: NodeJS.WritableStream, logger: Logger) {
    this.reader = new FramedMessageReader(input);
    this.writer = new MeteredMessageWriter(output);
    this.connection = createMessageConnection(this.reader, this.writer, logger);
    this.batcher = new DeletionBatcher((events) => this.send(DeletionsNotification, { events }));
    this.inputPace = new BacklogValve(
      { pauseAbove: MAX_QUEUED_MESSAGES, resumeAtOrBelow: MAX_QUEUED_MESSAGES / 2 },
      input,
    );
    this.writer.onBacklogChanged(() => this.backlogChanged());
  }

  /**
   * Serves `handlers` from now on. `onGone` is called once the client has
   * gone: its input ended, or writing to it failed.
   */
  listen(handlers: RequestHandlers, onGone: () => void): void {
    // vscode-jsonrpc answers only what reaches it; the frames the reader
    // dropped get their JSON-RPC error here (id null where none could be read).
    this.reader.onMalformedMessage(({ code, message, id }) => {
      const answer: ResponseMessage = { jsonrpc: '2.0', id, error: { code, message } };
      this.writer.write(answer).catch(() => undefined);
    });
    this.writer.onError(() => onGone());
    this.connection.onClose(() => onGone());
    this.connection.onRequest((method, params) => {
      const handler = handlers.get(method);
      if (handler === undefined)
        throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method ${describe(method)}`);
      return handler(params);
    });
    this.connection.listen();
  }

  /** Deletions for the client: sent in batches. */
  queueDeletions(events: readonly DeletionEvent[]): void {
    this.batcher.add(events);
    this.backlogChanged();
  }

  /** Sends the batch being gathered now. */
  flushDeletions(): void {
    this.batcher.flush();
  }

  /** Deletions that wait for the client: in the batch being gathered, and queued to be written. */
  get waitingDeletions(): number {
    return this.writer.pendingEvents + this.batcher.size;
  }

  /** Messages queued to be written, the one being written included. */
  get waitingMessages(): number {
    return this.writer.pendingMessages;
  }

  /** Called whenever what waits for the client grows or shrinks. */
  onBacklogChanged(listener: () => void): void {
    this.backlogListeners.push(listener);
  }

  /** Tells the client the total lost so far, as it grows; a client that does not read gets no pile of these. */
  announceLost(total: number): void {
    this.lostTotal = Math.max(this.lostTotal, total);
    if (this.lostTotal <= this.lostAnnounced || this.lostNotificationPending) return;
    this.lostAnnounced = this.lostTotal;
    this.lostNotificationPending = true;
    void this.send(LostNotification, { lost: this.lostAnnounced }).finally(() => {
      this.lostNotificationPending = false;
      this.announceLost(this.lostTotal);
    });
  }

  /**
   * Sends a notification; resolves once it is written, or has failed to be.
   * A client that has gone is no error of the helper's: vscode-jsonrpc
   * throws at once on a closed connection, and that must not end a recorder
   * that serves others.
   */
  send<P>(type: NotificationType<P>, params: P): Promise<void> {
    try {
      return this.connection.sendNotification(type, params).catch(() => undefined);
    } catch {
      return Promise.resolve();
    }
  }

  /** Resolves once nothing waits to be written. */
  whenWritten(): Promise<void> {
    return this.writer.whenIdle();
  }

  /** Forgets the deletions not yet sent, and stops serving. */
  dispose(): void {
    this.batcher.dispose();
    this.connection.dispose();
  }

  private backlogChanged(): void {
    this.inputPace.update(this.writer.pendingMessages);
    for (const listener of this.backlogListeners) listener();
  }
}
