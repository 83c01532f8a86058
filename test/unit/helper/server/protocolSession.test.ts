// What every session of the helper's protocol does the same way
// (helper/server/protocolSession.ts), whatever its trace: the order requests
// are checked in (shutting down, initialized, params, the trace's state), the
// words and code of each refusal, and shutdown's end once it is answered.
// A session with a pretend trace, spoken to over streams as a client would.
import { PassThrough } from 'node:stream';
import {
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { describe, expect, it, onTestFinished } from 'vitest';

import {
  HelperErrorCodes,
  InitializeRequest,
  PROTOCOL_VERSION,
  SetScopeRequest,
  ShutdownRequest,
  StartRequest,
  StatsRequest,
  StopRequest,
  type InitializeResult,
  type TraceStats,
} from '../../../../common/protocol';
import type { TracerState } from '../../../../helper/tracing/deletionTracer';
import { ProtocolSession } from '../../../../helper/server/protocolSession';

const STATS: TraceStats = { events: 3, lost: 0, filtered: 1, lostCommandLines: 0 };

class PretendSession extends ProtocolSession {
  state: TracerState = 'idle';
  readonly calls: string[] = [];
  ended = 0;

  constructor(input: PassThrough, output: PassThrough) {
    super(input, output, 'the pretend session');
    this.serve([['pretend/echo', (params) => params]]);
  }

  protected get traceState(): TracerState {
    return this.state;
  }

  protected initializeResult(): InitializeResult {
    this.calls.push('initialize');
    return { protocolVersion: PROTOCOL_VERSION } as InitializeResult;
  }

  protected startTrace(): void {
    this.calls.push('start');
    this.state = 'tracing';
  }

  protected changeScope(): void {
    this.calls.push('setScope');
  }

  protected stopTrace(): TraceStats {
    this.calls.push('stop');
    this.state = 'idle';
    return STATS;
  }

  protected traceStats(): TraceStats {
    return STATS;
  }

  protected windDown(): void {
    this.calls.push('windDown');
  }

  protected endSession(): void {
    this.ended++;
  }
}

function connect(): { session: PretendSession; client: MessageConnection } {
  const toSession = new PassThrough();
  const fromSession = new PassThrough();
  const session = new PretendSession(toSession, fromSession);
  const client = createMessageConnection(new StreamMessageReader(fromSession), new StreamMessageWriter(toSession));
  client.listen();
  onTestFinished(() => client.dispose());
  return { session, client };
}

async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  const error: unknown = await request.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ResponseError)) throw new Error(`expected a JSON-RPC error, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

const wrongState = (message: string): { code: number; message: string } => ({
  code: HelperErrorCodes.WrongState,
  message,
});
const initialize = (client: MessageConnection): Promise<InitializeResult> =>
  client.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION });

describe('a protocol session before initialize', () => {
  it('refuses every trace/ method, before it reads the params', async () => {
    const { session, client } = connect();
    expect(await refusal(client.sendRequest(StartRequest, { scope: 'nowhere' } as never))).toEqual(
      wrongState('trace/start: send initialize first'),
    );
    expect(await refusal(client.sendRequest(SetScopeRequest, { scope: 'system' }))).toEqual(
      wrongState('trace/setScope: send initialize first'),
    );
    expect(await refusal(client.sendRequest(StopRequest, {}))).toEqual(wrongState('trace/stop: send initialize first'));
    expect(await refusal(client.sendRequest(StatsRequest, {}))).toEqual(
      wrongState('trace/stats: send initialize first'),
    );
    expect(session.calls).toEqual([]);
  });

  it('serves the methods its session adds, and answers an unknown one with -32601', async () => {
    const { client } = connect();
    expect(await client.sendRequest('pretend/echo', { said: 1 })).toEqual({ said: 1 });
    expect((await refusal(client.sendRequest('trace/rewind', {}))).code).toBe(-32601);
  });
});

describe('a protocol session once initialized', () => {
  it('starts, changes scope, gives stats and stops, each through its session', async () => {
    const { session, client } = connect();
    expect(await initialize(client)).toEqual({ protocolVersion: PROTOCOL_VERSION });
    const { startedAt } = await client.sendRequest(StartRequest, { scope: 'system' });
    expect(Number.isNaN(Date.parse(startedAt))).toBe(false);
    expect(await client.sendRequest(SetScopeRequest, { scope: { paths: ['/tmp'] } })).toEqual({});
    expect(await client.sendRequest(StatsRequest.method)).toEqual(STATS);
    expect(await client.sendRequest(StopRequest, {})).toEqual(STATS);
    expect(session.calls).toEqual(['initialize', 'start', 'setScope', 'stop']);
  });

  it('checks the params before the state of the trace', async () => {
    const { client } = connect();
    await initialize(client);
    await client.sendRequest(StartRequest, { scope: 'system' });
    expect((await refusal(client.sendRequest(StartRequest, { scope: 'src' } as never))).code).toBe(-32602);
    expect((await refusal(client.sendRequest(StopRequest, { now: true } as never))).code).toBe(-32602);
  });

  it('refuses a second trace/start, and trace/setScope or trace/stop while idle', async () => {
    const { session, client } = connect();
    await initialize(client);
    expect(await refusal(client.sendRequest(SetScopeRequest, { scope: 'system' }))).toEqual(
      wrongState('trace/setScope: not tracing; send trace/start with this scope instead'),
    );
    expect(await refusal(client.sendRequest(StopRequest, {}))).toEqual(
      wrongState('trace/stop: not tracing; send trace/start first'),
    );
    await client.sendRequest(StartRequest, { scope: 'system' });
    expect(await refusal(client.sendRequest(StartRequest, { scope: 'system' }))).toEqual(
      wrongState('trace/start: already tracing; send trace/stop first, or trace/setScope to change the scope'),
    );
    expect(session.calls).toEqual(['initialize', 'start']);
  });

  it('refuses trace/start, trace/setScope and trace/stop while the trace is stopping', async () => {
    const { session, client } = connect();
    await initialize(client);
    session.state = 'stopping';
    expect(await refusal(client.sendRequest(StartRequest, { scope: 'system' }))).toEqual(
      wrongState('trace/start: the previous trace is still stopping; wait for its trace/stop answer'),
    );
    expect(await refusal(client.sendRequest(SetScopeRequest, { scope: 'system' }))).toEqual(
      wrongState('trace/setScope: not tracing; send trace/start with this scope instead'),
    );
    expect(await refusal(client.sendRequest(StopRequest, {}))).toEqual(wrongState('trace/stop: already stopping'));
  });
});

describe('a protocol session that is shut down', () => {
  it('winds down, answers null, refuses everything after, and ends once the answer is written', async () => {
    const { session, client } = connect();
    await initialize(client);
    expect(await client.sendRequest(ShutdownRequest.method)).toBeNull();
    expect(session.calls).toEqual(['initialize', 'windDown']);
    expect(await refusal(client.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION }))).toEqual(
      wrongState('initialize: the pretend session is shutting down'),
    );
    expect(await refusal(client.sendRequest(StatsRequest, {}))).toEqual(
      wrongState('trace/stats: the pretend session is shutting down'),
    );
    await expect.poll(() => session.ended).toBeGreaterThan(0);
  });

  it('refuses shutdown with params it does not take, and goes on serving', async () => {
    const { session, client } = connect();
    expect((await refusal(client.sendRequest(ShutdownRequest.method, { now: true }))).code).toBe(-32602);
    expect(await initialize(client)).toEqual({ protocolVersion: PROTOCOL_VERSION });
    expect(session.calls).toEqual(['initialize']);
  });
});
