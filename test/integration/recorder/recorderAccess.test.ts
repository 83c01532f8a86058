// Who may use the recorder's socket: root, the uids of --allow-uid and the
// members of --allow-group, told apart by the peer credentials the kernel
// keeps for the connection. Anyone may connect (the socket is 0666 in a
// directory of 0755): an ordinary user who is not admitted is sent
// recorder/refused, NotAdmitted, with no command line in it, and the
// connection is closed at once, whatever it sent; the same user, once
// admitted, is served. Garbage on the socket is answered as on stdio,
// and neither it nor a refused peer keeps the recorder from serving others.
// A socket file that a killed recorder left is taken over; one that a live
// recorder serves is not.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { HelperErrorCodes, PROTOCOL_VERSION } from '../../../common/protocol';
import { OrdinaryUser } from '../../support/ordinaryUser';
import { UndoStack } from '../../support/undoStack';
import { giveToRecorderAccount } from '../../support/recorderAccount';
import { buildClientScript, recorderTest as it, type ScriptClientResult } from '../../support/recorder';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';

const USER_NAME = 'st-rec-user';
const HELPER = path.resolve(__dirname, '../../../dist/helper.js');
const initialize = { method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION } };

describe('the recorder socket', () => {
  const undo = new UndoStack();
  let user: OrdinaryUser;
  let script: string;

  /** Runs the client script as the ordinary user, sending `messages`. */
  async function asUser(socket: string, messages: unknown[]): Promise<ScriptClientResult> {
    const run = await user.runWithInput(process.execPath, [script, socket, JSON.stringify(messages)], '');
    if (run.status !== 0) throw new Error(`the client exited with ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout) as ScriptClientResult;
  }

  beforeAll(() => {
    OrdinaryUser.removeLeftover(USER_NAME);
    user = OrdinaryUser.create(USER_NAME);
    undo.push(`removing the user ${USER_NAME}`, () => user.remove());
    const directory = makeScratchDirectory();
    undo.push(`removing ${directory}`, () => removeScratchDirectory(directory));
    script = buildClientScript(directory);
  });

  afterAll(() => undo.run());

  it('lets anyone connect: the socket is 0666, its directory 0755', async ({ recorderFiles, spawnRecorder }) => {
    await spawnRecorder().ready;
    expect(fs.statSync(recorderFiles.socket).mode & 0o777).toBe(0o666);
    expect(fs.statSync(path.dirname(recorderFiles.socket)).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.dirname(recorderFiles.database)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(recorderFiles.database).mode & 0o777).toBe(0o600);
  });

  it('tells a user it does not admit so, in one recorder/refused that names no command, and closes without answering a request', async ({
    recorderFiles,
    spawnRecorder,
  }) => {
    await spawnRecorder({ allowUids: [user.uid + 1] }).ready;
    const result = await asUser(recorderFiles.socket, [
      initialize,
      { method: 'history/query', params: { scope: 'system' } },
    ]);
    expect(result.closedByRecorder).toBe(true);
    expect(result.messages).toEqual([
      {
        jsonrpc: '2.0',
        method: 'recorder/refused',
        params: {
          code: HelperErrorCodes.NotAdmitted,
          message: `uid ${user.uid} is not admitted to the Syscall Trace recorder; the administrator of this machine can admit it`,
        },
      },
    ]);
    expect(JSON.stringify(result.messages)).not.toContain(HELPER);
  });

  it('closes the connection of a user it does not admit at once, whether it asks anything or not', async ({
    recorderFiles,
    spawnRecorder,
  }) => {
    await spawnRecorder().ready;
    const started = Date.now();
    const result = await asUser(recorderFiles.socket, []);
    expect(result.closedByRecorder).toBe(true);
    expect(result.messages.map((message) => message.method)).toEqual(['recorder/refused']);
    // runuser and Node's start take most of it; the old recorder held such a peer 5 s.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('serves the user once admitted with --allow-uid', async ({ recorderFiles, spawnRecorder }) => {
    const recorder = spawnRecorder({ allowUids: [user.uid] });
    await recorder.ready;
    const result = await asUser(recorderFiles.socket, [
      initialize,
      { method: 'history/query', params: { scope: 'system', limit: 1 } },
    ]);
    expect(result.closedByRecorder).toBe(false);
    const [initialized, history] = result.messages as {
      id: number;
      result: { pid: number; recorder: { database: string; sees: string } };
    }[];
    expect(initialized.result.pid).toBe(recorder.pid);
    expect(initialized.result.recorder.database).toBe(recorderFiles.database);
    expect(initialized.result.recorder.sees).toBe('own');
    expect(history).toMatchObject({ id: 2, result: { events: expect.any(Array), more: expect.any(Boolean) } });
  });

  it('answers garbage with the parse error, and goes on serving that client and the others', async ({
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder({ allowUids: [user.uid] });
    await recorder.ready;
    const other = await connect();
    const result = await asUser(recorderFiles.socket, [
      '\u0000\u00ffnot json at all\r\n\r\n',
      'Content-Length: 5\r\n\r\n{oops',
      initialize,
    ]);
    expect(result.messages).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'a message header line is not "Name: value"' } },
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: expect.stringMatching(/^a message body is not JSON/) },
      },
      expect.objectContaining({ id: 1, result: expect.objectContaining({ pid: recorder.pid }) }),
    ]);
    expect((await other.initialize()).pid).toBe(recorder.pid);
  });

  it('keeps serving root while a refused user connects again and again', async ({
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const refusals = await Promise.all(Array.from({ length: 5 }, () => asUser(recorderFiles.socket, [initialize])));
    for (const refusal of refusals)
      expect(refusal.messages[0].params).toMatchObject({ code: HelperErrorCodes.NotAdmitted });
    const root = await connect();
    expect((await root.initialize()).pid).toBe(recorder.pid);
  });

  it('takes over a socket file that a killed recorder left, and refuses to start beside one that serves', async ({
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const killed = spawnRecorder();
    await killed.ready;
    await killed.stop('SIGKILL');
    expect(fs.statSync(recorderFiles.socket).isSocket()).toBe(true);

    const serving = spawnRecorder();
    await serving.ready;
    const second = spawnRecorder();
    expect(await second.exited).toEqual({ code: 1, signal: null });
    expect(second.stderr()).toContain(
      `syscall-trace: the recorder cannot start: another recorder already serves ${recorderFiles.socket}\n`,
    );
    expect((await (await connect()).initialize()).pid).toBe(serving.pid);
  });

  it('leaves alone a file at its socket path that is not a socket', async ({ recorderFiles, spawnRecorder }) => {
    giveToRecorderAccount(path.dirname(recorderFiles.socket));
    fs.writeFileSync(recorderFiles.socket, 'not a socket');
    const recorder = spawnRecorder();
    expect(await recorder.exited).toEqual({ code: 1, signal: null });
    expect(recorder.stderr()).toContain(`${recorderFiles.socket} exists and is not a socket`);
    expect(fs.readFileSync(recorderFiles.socket, 'utf8')).toBe('not a socket');
  });
});
