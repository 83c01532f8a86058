// The helper's JSON-RPC face as the extension sees it: `node dist/helper.js
// --stdio` spoken to with vscode-jsonrpc through the project's one protocol
// module, once it has said it is ready, noting when each trace/deletions
// notification arrives.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

import {
  DeletionsNotification,
  HELPER_READY_LINE,
  InitializeRequest,
  LostNotification,
  PROTOCOL_VERSION,
  ShutdownRequest,
  StartRequest,
  StopRequest,
  type DeletionEvent,
  type Scope,
  type TraceStats,
} from '../common/protocol';
import { startProcess, stopProcess, waitUntilReady, type StartedProcess } from './childProcesses';

/** The helper exits within a second of `shutdown`; this is a generous bound. */
const SHUTDOWN_WAIT_MS = 5000;

/** Called once per trace/deletions notification, with the wall-clock time (ms) at which it arrived. */
export type DeletionsListener = (events: DeletionEvent[], receivedAtMs: number) => void;

export class HelperClient {
  /** The latest trace/lost total. */
  lost = 0;

  private constructor(
    private readonly helper: StartedProcess,
    private readonly connection: MessageConnection,
  ) {}

  static async start(helperScript: string, onDeletions: DeletionsListener): Promise<HelperClient> {
    const helper = startProcess(['node', helperScript, '--stdio'], 'stream');
    await waitUntilReady(helper, 'the helper', () => helper.stderrTail().split('\n').includes(HELPER_READY_LINE));
    const connection = createMessageConnection(
      new StreamMessageReader(helper.stdout!),
      new StreamMessageWriter(helper.stdin),
    );
    const client = new HelperClient(helper, connection);
    // The arrival time is taken before anything else is done with the batch.
    connection.onNotification(DeletionsNotification, ({ events }) => onDeletions(events, Date.now()));
    connection.onNotification(LostNotification, ({ lost }) => (client.lost = lost));
    connection.listen();
    await connection.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION });
    return client;
  }

  get pid(): number {
    return this.helper.pid;
  }

  async startTracing(scope: Scope): Promise<void> {
    await this.connection.sendRequest(StartRequest, { scope });
  }

  /** Detaches; the helper sends its last deletions before the answer. */
  async stopTracing(): Promise<TraceStats> {
    return this.connection.sendRequest(StopRequest, {});
  }

  /** Asks the helper to exit, and makes sure it does. */
  async shutdown(): Promise<void> {
    await this.connection.sendRequest(ShutdownRequest, {}).catch(() => undefined);
    const exit = await Promise.race([
      this.helper.exited,
      sleep(SHUTDOWN_WAIT_MS, undefined, { ref: false }).then(() => undefined),
    ]);
    this.connection.dispose();
    if (!exit) await stopProcess(this.helper, 'SIGKILL', 'the helper');
  }
}
