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
   * Opens the connection to a helper that has said it is ready
   * (helperStartup.ts) and agrees on the protocol; the helper names the
   * attach mode it was started in. Rejects if the helper ends first: its
   * stderr says why.
   */
  static async open(helper: HelperProcess, listener: HelperListener): Promise<HelperConnection> {
    const connection = createMessageConnection(new StreamMessageReader(helper.child.stdout), new StreamMessageWriter(helper.child.stdin));
    connection.onNotification(protocol.DeletionsNotification, (params) => listener.onDeletions(params.events));
    connection.onNotification(protocol.LostNotification, (params) => listener.onLost(params.lost));
    connection.listen();
    void helper.exited.then(() => connection.dispose());
    try {
      const info = await Promise.race([
        connection.sendRequest(protocol.InitializeRequest, { protocolVersion: protocol.PROTOCOL_VERSION }),
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

  /**
   * Stops tracing; the helper stays, ready to start again without asking for
   * privileges. The deletions still in the ring buffer arrive first, so the
   * answer may take a moment; one that never comes is an error.
   */
  async stop(timeoutMs = 10_000): Promise<protocol.TraceStats> {
    return withTimeout(this.connection.sendRequest(protocol.StopRequest, {}), timeoutMs);
  }

  /** Stops tracing if it traces (the totals, if it did), asks the helper to exit, and waits until it has. */
  async close(): Promise<protocol.TraceStats | undefined> {
    let stats: protocol.TraceStats | undefined;
    if (!this.helper.hasExited) {
      try {
        stats = await this.stop(2000);
      } catch {
        // Not tracing (WrongState), or not answering: shutdown, or closing its stdin, ends it all the same.
      }
      try {
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
