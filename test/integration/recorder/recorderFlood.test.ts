// The recorder against a flood, made as an ordinary user would make it: 300
// connections at once from a uid it does not admit, each sending 1 MiB of a
// frame it never finishes, must not grow the recorder by more than 64 MiB,
// nor keep it from recording and serving root; and one uid it admits holds
// no more than MAX_CONNECTIONS_PER_UID connections.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { HelperErrorCodes, HistoryRequest, PROTOCOL_VERSION, StartRequest } from '../../../common/protocol';
import { MAX_CONNECTIONS_PER_UID } from '../../../helper/recorder/recorderSocket';
import { OrdinaryUser } from '../../support/ordinaryUser';
import { UndoStack } from '../../support/undoStack';
import {
  buildClientScript,
  buildFloodScript,
  recorderTest as it,
  waitUntil,
  type ScriptClientResult,
} from '../../support/recorder';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';

const USER_NAME = 'st-rec-flood';
const MIB = 1 << 20;
const FLOOD_CONNECTIONS = 300;
/** What the flood may add to the recorder's resident memory, at its peak. */
const FLOOD_GROWTH_MAX = 64 * MIB;

interface FloodOutcome {
  refused?: { code: number; message: string };
  answered: boolean;
  closedByRecorder: boolean;
  written: number;
  error?: string;
}

/** VmRSS and VmHWM (the peak of VmRSS) of `pid`, in bytes. */
function residentMemory(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)![1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

const mib = (bytes: number): string => (bytes / MIB).toFixed(1);

describe('the recorder under a flood of connections', () => {
  const undo = new UndoStack();
  let user: OrdinaryUser;
  let floodScript: string;
  let clientScript: string;

  async function floodAsUser(
    socket: string,
    count: number,
    mode: 'partial-frame' | 'initialize',
  ): Promise<FloodOutcome[]> {
    const run = await user.runWithInput(process.execPath, [floodScript, socket, String(count), mode], '');
    if (run.status !== 0) throw new Error(`the flood exited with ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout) as FloodOutcome[];
  }

  beforeAll(() => {
    user = OrdinaryUser.create(USER_NAME);
    undo.push(`removing the user ${USER_NAME}`, () => user.remove());
    const directory = makeScratchDirectory();
    undo.push(`removing ${directory}`, () => removeScratchDirectory(directory));
    floodScript = buildFloodScript(directory);
    clientScript = buildClientScript(directory);
  });

  afterAll(() => undo.run());

  it(`grows by at most 64 MiB under ${FLOOD_CONNECTIONS} refused connections that each send 1 MiB of a frame, and goes on recording`, async ({
    recorderFiles,
    spawnRecorder,
    connect,
    scratch,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const root = await connect();
    await root.initialize();
    await root.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    const before = residentMemory(recorder.pid);

    const outcomes = await floodAsUser(recorderFiles.socket, FLOOD_CONNECTIONS, 'partial-frame');
    const after = residentMemory(recorder.pid);
    const refused = outcomes.filter((outcome) => outcome.refused?.code === HelperErrorCodes.NotAdmitted).length;
    console.log(
      `recorder memory: VmRSS ${mib(before.rss)} MiB before the flood (VmHWM ${mib(before.peak)}), ` +
        `VmRSS ${mib(after.rss)} MiB and VmHWM ${mib(after.peak)} MiB after; ${refused} of ${FLOOD_CONNECTIONS} connections read their refusal`,
    );
    expect(outcomes).toHaveLength(FLOOD_CONNECTIONS);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ answered: false, closedByRecorder: true });
    expect(outcomes.filter((outcome) => outcome.error !== undefined)).toEqual([]);
    // Each lingering refusal is read; those beyond a uid's lingering ones are closed as soon as written, and may be missed.
    expect(refused).toBeGreaterThanOrEqual(MAX_CONNECTIONS_PER_UID);
    expect(after.peak - before.rss).toBeLessThanOrEqual(FLOOD_GROWTH_MAX);

    const file = path.join(scratch, 'after-the-flood.txt');
    fs.writeFileSync(file, 'x');
    fs.unlinkSync(file);
    await waitUntil('root is shown the deletion made after the flood', () =>
      root.deletions.some((event) => event.path === file),
    );
    const { events } = await root.connection.sendRequest(HistoryRequest, { scope: { paths: [scratch] } });
    expect(events.map((event) => event.path)).toEqual([file]);
  });

  it(`serves one uid at most ${MAX_CONNECTIONS_PER_UID} connections at once, refusing the next with the reason, and serves it again once one has closed`, async ({
    recorderFiles,
    spawnRecorder,
  }) => {
    await spawnRecorder({ allowUids: [user.uid] }).ready;
    const outcomes = await floodAsUser(recorderFiles.socket, MAX_CONNECTIONS_PER_UID + 1, 'initialize');
    expect(outcomes.filter((outcome) => outcome.answered)).toHaveLength(MAX_CONNECTIONS_PER_UID);
    const refused = outcomes.filter((outcome) => !outcome.answered);
    expect(refused).toEqual([
      {
        answered: false,
        closedByRecorder: true,
        written: 0,
        refused: {
          code: HelperErrorCodes.TooManyConnections,
          message: `uid ${user.uid} has ${MAX_CONNECTIONS_PER_UID} connections to the Syscall Trace recorder open already, the most it serves one uid; close one (a VS Code window, a client) and try again`,
        },
      },
    ]);

    // The flood's connections closed with it: the recorder counts them gone once it has seen each end.
    let again: ScriptClientResult | undefined;
    for (let tries = 0; tries < 20 && again?.messages[0]?.result === undefined; tries++) {
      const run = await user.runWithInput(
        process.execPath,
        [
          clientScript,
          recorderFiles.socket,
          JSON.stringify([{ method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION } }]),
        ],
        '',
      );
      again = JSON.parse(run.stdout) as ScriptClientResult;
    }
    expect(again?.messages[0]).toMatchObject({ id: 1, result: { recorder: { sees: 'own' } } });
  });
});
