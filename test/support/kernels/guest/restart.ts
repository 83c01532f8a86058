// Stop, then Start, as the extension does over the helper's JSON-RPC stdio
// server: the helper has given up its privileges by then, and must attach
// again with what it kept, then see a new deletion.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';

import {
  DeletionsNotification,
  HELPER_READY_LINE,
  InitializeRequest,
  PROTOCOL_VERSION,
  StartRequest,
  StopRequest,
  type DeletionEvent,
  type ModeChoice,
} from '../../../../common/protocol';
import type { RestartRecord } from '../guestRecords';
import { GUEST_DIST } from '../guestLayout';
import { reportedOf } from './reported';
import { sudoEnvironment, uidsOf } from './sudoUser';

const STEP_TIMEOUT_MS = 120_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what}: no answer within ${STEP_TIMEOUT_MS / 1000} s`)),
        STEP_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
}

export async function stopThenStart(mode: ModeChoice, folder: string): Promise<RestartRecord> {
  const child = spawn(process.execPath, [`${GUEST_DIST}/helper.js`, '--stdio', '--mode', mode], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: sudoEnvironment(),
  });
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (stderr.split('\n').includes(HELPER_READY_LINE)) resolve();
    });
    child.on('exit', (code) =>
      reject(new Error(`the helper exited with ${code} before it was ready: ${stderr.trim()}`)),
    );
  });
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const deletions: DeletionEvent[] = [];
  connection.onNotification(DeletionsNotification, ({ events }) => deletions.push(...events));
  connection.listen();
  const scope = { paths: [folder] };
  const victim = (name: string): string => {
    const at = path.join(folder, name);
    fs.writeFileSync(at, '');
    return at;
  };
  try {
    await within(ready, 'the ready line');
    const uids = uidsOf(child.pid!);
    await within(connection.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION }), 'initialize');
    await within(connection.sendRequest(StartRequest, { scope }), 'the first trace/start');
    fs.unlinkSync(victim('restart-before-stop'));
    await within(connection.sendRequest(StopRequest, {}), 'trace/stop');
    await within(connection.sendRequest(StartRequest, { scope }), 'trace/start after trace/stop');
    const deleted = victim('restart-after-start');
    fs.unlinkSync(deleted);
    // trace/stop answers once the deletions before it have been sent.
    await within(connection.sendRequest(StopRequest, {}), 'the last trace/stop');
    return { type: 'restart', mode, deleted: [deleted], reported: deletions.map(reportedOf), uids };
  } catch (error) {
    return {
      type: 'restart',
      mode,
      deleted: [],
      reported: deletions.map(reportedOf),
      failure: (error as Error).message,
    };
  } finally {
    connection.dispose();
    child.kill('SIGKILL');
  }
}
