// The client side of the wire protocol over one MessageConnection, whatever
// carries it: the helper's stdio (helperConnection.ts) or the recorder's unix
// socket (recorderClient.ts). Every request is the protocol module's own
// constant, so that neither side can change a message without the other
// failing to build (docs/wire-protocol.md, "Wire protocol").
import type { MessageConnection } from 'vscode-jsonrpc/node';

import * as protocol from '../common/protocol';

export interface TracingListener {
  onDeletions(events: protocol.DeletionEvent[]): void;
  /** `lost`: everything lost so far for this connection. */
  onLost(lost: number): void;
}

/** How long trace/stop may take: the deletions still on their way go out before the answer, so it waits for a backlog. */
const STOP_MS = 10_000;
/** How long trace/stop may take when the connection closes anyway: its totals are welcome, not needed. */
const STOP_WHEN_CLOSING_MS = 2000;
/** How long shutdown may take: closing the transport ends the connection without it. */
const SHUTDOWN_MS = 1000;

export class TracingClient {
  protected constructor(
    protected readonly connection: MessageConnection,
    readonly info: protocol.InitializeResult,
  ) {}

  // Each request is async, so that one on a connection already gone rejects rather than throws.
  async start(scope: protocol.Scope, includeFailed: boolean): Promise<protocol.StartResult> {
    return this.connection.sendRequest(protocol.StartRequest, { scope, includeFailed });
  }

  async setScope(scope: protocol.Scope): Promise<void> {
    await this.connection.sendRequest(protocol.SetScopeRequest, { scope });
  }

  async stats(): Promise<protocol.TraceStats> {
    return this.connection.sendRequest(protocol.StatsRequest, {});
  }

  /**
   * Stops tracing. The deletions still on their way arrive first, so the
   * answer may take a moment; one that never comes is an error.
   */
  async stop(timeoutMs = STOP_MS): Promise<protocol.TraceStats> {
    return withTimeout(this.connection.sendRequest(protocol.StopRequest, {}), timeoutMs);
  }

  /**
   * Ends the conversation before the caller closes what carries it (the
   * helper's stdin, the recorder's socket): where the other side is still
   * there, trace/stop if `stopFirst` (the totals, if it traced), then
   * shutdown, which asks it to close this connection (the helper exits, the
   * recorder forgets this client); then the connection is disposed. Neither
   * answer is needed: closing the transport ends it all the same.
   */
  protected async endConversation(options: {
    peerGone: boolean;
    stopFirst: boolean;
  }): Promise<protocol.TraceStats | undefined> {
    let stats: protocol.TraceStats | undefined;
    if (!options.peerGone) {
      if (options.stopFirst) {
        try {
          stats = await this.stop(STOP_WHEN_CLOSING_MS);
        } catch {
          // Not tracing (WrongState), or not answering: shutdown, or closing the transport, ends it all the same.
        }
      }
      try {
        await withTimeout(this.connection.sendRequest(protocol.ShutdownRequest, {}), SHUTDOWN_MS);
      } catch {
        // It is ending anyway: closing the transport is what counts.
      }
    }
    this.connection.dispose();
    return stats;
  }
}

/**
 * Hands the deletions and loss on the connection to `listener`, starts
 * reading, and agrees on the protocol. Rejects as soon as `ended` does (the
 * other side went away first), and where the other side speaks another
 * protocol version: `peer` names it in that message and says what to do.
 */
export async function initializeConnection(
  connection: MessageConnection,
  listener: TracingListener,
  params: protocol.InitializeParams,
  ended: Promise<never>,
  peer: { name: string; remedy: string },
): Promise<protocol.InitializeResult> {
  connection.onNotification(protocol.DeletionsNotification, (notification) =>
    listener.onDeletions(notification.events),
  );
  connection.onNotification(protocol.LostNotification, (notification) => listener.onLost(notification.lost));
  connection.listen();
  const info = await Promise.race([connection.sendRequest(protocol.InitializeRequest, params), ended]);
  if (info.protocolVersion !== protocol.PROTOCOL_VERSION) {
    throw new ProtocolMismatchError(
      `${peer.name} speaks protocol ${info.protocolVersion}, this extension ${protocol.PROTOCOL_VERSION}: ${peer.remedy}`,
    );
  }
  return info;
}

/** The other side was built against another version of common/protocol.ts. */
export class ProtocolMismatchError extends Error {}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
