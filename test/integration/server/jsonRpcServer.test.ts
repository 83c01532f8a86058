// The helper's JSON-RPC face, spoken to as the extension speaks to it:
// initialize, start with a scope, deletions as trace/deletions notifications,
// stats, stop, shutdown; and requests that come in the wrong order.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, onTestFinished } from 'vitest';

import {
  HelperErrorCodes,
  PROTOCOL_VERSION,
  SetScopeRequest,
  ShutdownRequest,
  StartRequest,
  StatsRequest,
  StopRequest,
} from '../../../common/protocol';
import { initialize } from '../../support/helperServer';
import { errorOf, helperTest as it } from '../../support/helperTest';
import { deleteFiles, makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';

describe('a client speaking JSON-RPC to the helper', () => {
  it('learns the protocol version, the kernel and the helper process from initialize', async ({ helper }) => {
    const result = await initialize(helper);
    expect(result).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      kernelRelease: os.release(),
      arch: os.machine(),
      pid: helper.pid,
    });
    expect(result.helperVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('receives every one of 1,000 deletions in its scope, then the same count in stats and stop', async ({
    helper,
    scratch,
  }) => {
    await initialize(helper);
    const { startedAt } = await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    expect(Number.isNaN(Date.parse(startedAt))).toBe(false);

    const files = deleteFiles(scratch, 1000);

    const stats = await helper.connection.sendRequest(StatsRequest, {});
    const stopped = await helper.connection.sendRequest(StopRequest, {});
    // trace/stop answers only after the last batch has been sent.
    expect(helper.deletions.map((event) => event.path).sort()).toEqual([...files].sort());
    expect(helper.deletions.every((event) => event.result === 0 && event.pid === process.pid)).toBe(true);
    expect(stats.events).toBeLessThanOrEqual(1000);
    expect(stopped).toMatchObject({ events: 1000, lost: 0 });

    await helper.connection.sendRequest(ShutdownRequest, {});
    expect(await helper.exited).toEqual({ code: 0, signal: null });
  });

  it('numbers the deletions it sends in strictly increasing order', async ({ helper, scratch }) => {
    await initialize(helper);
    await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    deleteFiles(scratch, 50);
    await helper.connection.sendRequest(StopRequest, {});
    const seqs = helper.deletions.map((event) => event.seq);
    expect(seqs).toHaveLength(50);
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1])).toBe(true);
  });

  it('reports only the new scope after trace/setScope', async ({ helper, scratch }) => {
    const other = fs.mkdtempSync(path.join(scratch, 'other-'));
    await initialize(helper);
    await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    await helper.connection.sendRequest(SetScopeRequest, { scope: { paths: [other] } });
    deleteFiles(scratch, 3);
    const inOther = deleteFiles(other, 3);
    await helper.connection.sendRequest(StopRequest, {});
    expect(helper.deletions.map((event) => event.path).sort()).toEqual(inOther.sort());
  });

  it('accepts the methods without parameters with no params at all', async ({ helper }) => {
    await initialize(helper);
    expect(await helper.connection.sendRequest(StatsRequest.method)).toMatchObject({ events: 0, lost: 0 });
  });
});

describe('requests in the wrong order', () => {
  it('refuses trace/start before initialize, and works once initialized', async ({ helper, scratch }) => {
    const error = await errorOf(helper.connection.sendRequest(StartRequest, { scope: 'system' }));
    expect(error.code).toBe(HelperErrorCodes.WrongState);
    expect(error.message).toMatch(/initialize first/);
    await initialize(helper);
    await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
  });

  it('refuses trace/stop before trace/start with a clear error', async ({ helper }) => {
    await initialize(helper);
    const error = await errorOf(helper.connection.sendRequest(StopRequest, {}));
    expect(error.code).toBe(HelperErrorCodes.WrongState);
    expect(error.message).toBe('trace/stop: not tracing; send trace/start first');
  });

  it('refuses trace/setScope before trace/start with a clear error', async ({ helper }) => {
    await initialize(helper);
    const error = await errorOf(helper.connection.sendRequest(SetScopeRequest, { scope: 'system' }));
    expect(error.code).toBe(HelperErrorCodes.WrongState);
    expect(error.message).toMatch(/^trace\/setScope: not tracing/);
  });

  it('refuses a second trace/start and keeps tracing with the first one', async ({ helper, scratch }) => {
    const other = makeScratchDirectory();
    onTestFinished(() => removeScratchDirectory(other));
    await initialize(helper);
    await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    const error = await errorOf(helper.connection.sendRequest(StartRequest, { scope: { paths: [other] } }));
    expect(error.code).toBe(HelperErrorCodes.WrongState);
    expect(error.message).toMatch(/^trace\/start: already tracing/);

    const first = deleteFiles(scratch, 2);
    deleteFiles(other, 2);
    await helper.connection.sendRequest(StopRequest, {});
    expect(helper.deletions.map((event) => event.path).sort()).toEqual(first.sort());
  });

  it('refuses a second trace/stop, and starts again after it', async ({ helper, scratch }) => {
    await initialize(helper);
    await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    await helper.connection.sendRequest(StopRequest, {});
    expect((await errorOf(helper.connection.sendRequest(StopRequest, {}))).code).toBe(HelperErrorCodes.WrongState);

    await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    deleteFiles(scratch, 4);
    expect(await helper.connection.sendRequest(StopRequest, {})).toMatchObject({ events: 4 });
  });
});

describe('parameters checked at the boundary', () => {
  it('answers a relative scope path with invalid params (-32602) naming the path', async ({ helper }) => {
    await initialize(helper);
    const error = await errorOf(helper.connection.sendRequest(StartRequest, { scope: { paths: ['src/app'] } }));
    expect(error.code).toBe(-32602);
    expect(error.message).toBe(
      'trace/start: params.scope.paths[0] must be an absolute path (starting with "/"), got "src/app"',
    );
  });

  it('answers an unknown method with method not found (-32601)', async ({ helper }) => {
    const error = await errorOf(helper.connection.sendRequest('trace/rewind', {}));
    expect(error.code).toBe(-32601);
  });

  it('answers another protocol version with invalid params saying which one it speaks', async ({ helper }) => {
    const error = await errorOf(helper.connection.sendRequest('initialize', { protocolVersion: PROTOCOL_VERSION + 1 }));
    expect(error.code).toBe(-32602);
    expect(error.message).toBe(
      `initialize: this helper speaks protocol version ${PROTOCOL_VERSION}, not ${PROTOCOL_VERSION + 1}`,
    );
  });
});
