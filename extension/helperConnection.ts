// The JSON-RPC client side of the helper: one connection over the child's
// stdio, typed by the same protocol module the helper serves. Nothing else
// writes to the helper's stdin once the connection exists.
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

import * as protocol from '../common/protocol';
import type { HelperProcess } from './helperProcess';

export interface HelperListener {
  onDeletions(events: protocol.DeletionEvent[]): void;
  /** `lost`: everything this helper has lost so far. */
  onLost(lost: number): void;
}

export class HelperConnection {
  private constructor(
    private readonly connection: MessageConnection,
    readonly helper: HelperProcess,
    readonly info: protocol.InitializeResult,
  ) {}

  /**
   * Opens the connection and agrees on the protocol and the attach mode
   * (undefined: the helper's default). Rejects if the helper ends first (a
   * refused password, a missing privilege): its stderr says why.
   */
  static async open(helper: HelperProcess, listener: HelperListener, attachMode?: protocol.AttachMode): Promise<HelperConnection> {
    const connection = createMessageConnection(new StreamMessageReader(helper.child.stdout), new StreamMessageWriter(helper.child.stdin));
    connection.onNotification(protocol.DeletionsNotification, (params) => listener.onDeletions(params.events));
    connection.onNotification(protocol.LostNotification, (params) => listener.onLost(params.lost));
    connection.listen();
    void helper.exited.then(() => connection.dispose());
    try {
      const info = await Promise.race([
        connection.sendRequest(protocol.InitializeRequest, { protocolVersion: protocol.PROTOCOL_VERSION, ...(attachMode && { attachMode }) }),
        helper.exited.then((exit) => Promise.reject(new HelperEndedError(exit.code, helper.lastStderrLines))),
      ]);
      if (info.protocolVersion !== protocol.PROTOCOL_VERSION) {
        throw new Error(`the helper speaks protocol ${info.protocolVersion}, this extension ${protocol.PROTOCOL_VERSION}: rebuild both`);
      }
      return new HelperConnection(connection, helper, info);
    } catch (error) {
      connection.dispose();
      throw error;
    }
  }

  start(scope: protocol.Scope, includeFailed: boolean): Promise<protocol.StartResult> {
    return this.connection.sendRequest(protocol.StartRequest, { scope, includeFailed });
  }

  async setScope(scope: protocol.Scope): Promise<void> {
    await this.connection.sendRequest(protocol.SetScopeRequest, { scope });
  }

  stats(): Promise<protocol.TraceStats> {
    return this.connection.sendRequest(protocol.StatsRequest, {});
  }

  /** Stops tracing, asks the helper to exit, and waits until it has. */
  async close(): Promise<protocol.TraceStats | undefined> {
    let stats: protocol.TraceStats | undefined;
    if (!this.helper.hasExited) {
      try {
        stats = await withTimeout(this.connection.sendRequest(protocol.StopRequest, {}), 2000);
        await withTimeout(this.connection.sendRequest(protocol.ShutdownRequest, {}), 1000);
      } catch {
        // It is ending anyway: closing its stdin below is what counts.
      }
    }
    this.connection.dispose();
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
