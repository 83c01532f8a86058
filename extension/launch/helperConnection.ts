// The JSON-RPC client side of the helper: one connection over the child's
// stdio, speaking the protocol through the client it shares with the
// recorder's socket (tracingClient.ts). Nothing else writes to the helper's
// stdin once the connection exists.
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

import * as protocol from '../../common/protocol';
import type { HelperProcess } from './helperProcess';
import { initializeConnection, TracingClient, type TracingListener } from '../tracingClient';

export type HelperListener = TracingListener;

/** Its trace/stop leaves the helper running, unprivileged, ready to start again without asking for privileges. */
export class HelperConnection extends TracingClient {
  private constructor(
    connection: MessageConnection,
    readonly helper: HelperProcess,
    info: protocol.InitializeResult,
  ) {
    super(connection, info);
  }

  /**
   * Opens the connection to a helper that has said it is ready
   * (helperStartup.ts) and agrees on the protocol; the helper names the
   * attach mode it was started in. Rejects if the helper ends first: its
   * stderr says why.
   */
  static async open(helper: HelperProcess, listener: HelperListener): Promise<HelperConnection> {
    const connection = createMessageConnection(
      new StreamMessageReader(helper.child.stdout),
      new StreamMessageWriter(helper.child.stdin),
    );
    void helper.exited.then(() => connection.dispose());
    try {
      const info = await initializeConnection(
        connection,
        listener,
        { protocolVersion: protocol.PROTOCOL_VERSION },
        helper.exited.then((exit) => Promise.reject(new HelperEndedError(exit.code, helper.lastStderrLines))),
        { name: 'the helper', remedy: 'rebuild both' },
      );
      return new HelperConnection(connection, helper, info);
    } catch (error) {
      connection.dispose();
      throw error;
    }
  }

  /** Stops tracing if it traces (the totals, if it did), asks the helper to exit, and waits until it has. */
  async close(): Promise<protocol.TraceStats | undefined> {
    const stats = await this.endConversation({ peerGone: this.helper.hasExited, stopFirst: true });
    // Closes its stdin, which ends it where shutdown did not.
    await this.helper.end();
    return stats;
  }
}

/** The helper ended before it answered. */
export class HelperEndedError extends Error {
  constructor(
    readonly code: number | null,
    readonly stderrLines: readonly string[],
  ) {
    super(stderrLines.filter((line) => line.trim() !== '').at(-1) ?? `the helper exited with status ${code}`);
  }
}
