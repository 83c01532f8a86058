// What the helper has handed to vscode-jsonrpc but the client has not yet
// taken. vscode-jsonrpc writes one message at a time and queues the rest in
// memory, unbounded, while the client does not read; this writer counts that
// queue (in messages, and in deletion events) so that the server can bound it.
import { DeletionsNotification } from '../../common/protocol';
import {
  Emitter,
  StreamMessageWriter,
  type Event,
  type Message,
  type MessageWriter,
  type NotificationMessage,
} from 'vscode-jsonrpc/node';

export class MeteredMessageWriter implements MessageWriter {
  private readonly writer: StreamMessageWriter;
  private messages = 0;
  private events = 0;
  private readonly changedEmitter = new Emitter<void>();

  constructor(output: NodeJS.WritableStream) {
    this.writer = new StreamMessageWriter(output);
  }

  /** Messages waiting to be written, the one being written included. */
  get pendingMessages(): number {
    return this.messages;
  }

  /** Deletion events inside the waiting trace/deletions notifications. */
  get pendingEvents(): number {
    return this.events;
  }

  /** Fired each time a message joins the queue, and each time one has been written (or failed to be). */
  get onBacklogChanged(): Event<void> {
    return this.changedEmitter.event;
  }

  get onError(): MessageWriter['onError'] {
    return this.writer.onError;
  }

  get onClose(): MessageWriter['onClose'] {
    return this.writer.onClose;
  }

  async write(message: Message): Promise<void> {
    const events = deletionCount(message);
    this.messages++;
    this.events += events;
    this.changedEmitter.fire();
    try {
      await this.writer.write(message);
    } finally {
      this.messages--;
      this.events -= events;
      this.changedEmitter.fire();
    }
  }

  /** Resolves once nothing waits to be written. */
  whenIdle(): Promise<void> {
    if (this.messages === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = this.onBacklogChanged(() => {
        if (this.messages > 0) return;
        listener.dispose();
        resolve();
      });
    });
  }

  end(): void {
    this.writer.end();
  }

  dispose(): void {
    this.writer.dispose();
    this.changedEmitter.dispose();
  }
}

function deletionCount(message: Message): number {
  const notification = message as NotificationMessage;
  if (notification.method !== DeletionsNotification.method) return 0;
  const events = (notification.params as { events?: unknown[] } | undefined)?.events;
  return Array.isArray(events) ? events.length : 0;
}
