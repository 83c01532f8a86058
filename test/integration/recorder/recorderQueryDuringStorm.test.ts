// A history query never starves the recorder's drain: a folder query over
// millions of recorded deletions, which takes seconds, runs on the query
// thread while a 100,000-file `rm -rf` runs, and the recorder loses none of
// the storm and records all of it. (That the query leaves JavaScript's
// thread free is recording.test.ts's to show: here that thread is busy with
// the storm too, on two cores.)
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, describe, expect } from 'vitest';

import { HistoryRequest, StatsRequest, type HistoryResult } from '../../../common/protocol';
import { RECORDED_FOLDER, recordManyDeletions } from '../../support/recordedFolder';
import { giveToRecorderAccount } from '../../support/recorderAccount';
import { recorderTest as it, type RecorderClient } from '../../support/recorder';
import { makeStormTree, removeStormTree, type StormTree } from '../../support/stormTree';

/** Deletions already recorded in one folder before the recorder starts: enough that its query takes seconds. */
const RECORDED = 5_000_000;

async function countAll(client: RecorderClient, directory: string): Promise<number> {
  let count = 0;
  for (let before: number | undefined; ;) {
    const page: HistoryResult = await client.connection.sendRequest(HistoryRequest, {
      scope: { paths: [directory] },
      ...(before ? { before } : {}),
    });
    count += page.events.length;
    if (!page.more) return count;
    before = page.events[0].seq;
  }
}

describe('a history query of millions of deletions', () => {
  let storm: StormTree | undefined;
  afterEach(() => {
    if (storm !== undefined) removeStormTree(storm);
    storm = undefined;
  });

  it(
    'runs while a 100,000-file rm -rf runs, and the recorder loses none of the storm and records it all',
    { timeout: 600_000 },
    async ({ recorderFiles, spawnRecorder, connect }) => {
      let started = Date.now();
      recordManyDeletions(recorderFiles.database, RECORDED);
      giveToRecorderAccount(path.dirname(recorderFiles.database));
      const fillMs = Date.now() - started;
      storm = makeStormTree();
      const tree = path.join(storm.directory, 'tree');

      const recorder = spawnRecorder();
      await recorder.ready;
      const client = await connect();
      await client.initialize();
      // A client that hears no deletions: its answer waits behind nothing on its own connection.
      const prober = await connect();
      await prober.initialize();

      started = Date.now();
      let queryMs = 0;
      const query = client.connection
        .sendRequest(HistoryRequest, { scope: { paths: [RECORDED_FOLDER] } })
        .then((page) => {
          queryMs = Date.now() - started;
          return page;
        });
      const rm = spawn('rm', ['-rf', 'tree'], { cwd: storm.directory, stdio: 'ignore' });
      // Well into the query, which takes seconds: answered only once the query is, were it read on JavaScript's thread.
      await new Promise((resolve) => setTimeout(resolve, 500));
      let statsMs = 0;
      const stats = prober.connection.sendRequest(StatsRequest, {}).then(() => (statsMs = Date.now() - started));
      const rmStatus = await new Promise<number | null>((resolve) => rm.once('close', resolve));
      const rmMs = Date.now() - started;
      expect(rmStatus).toBe(0);
      const page = await query;
      await stats;
      expect(page.events).toHaveLength(10_000);
      expect(page.more).toBe(true);
      expect(page.events.at(-1)!.seq).toBe(RECORDED);

      expect(await countAll(client, tree)).toBe(storm.paths.size);
      await recorder.stop('SIGTERM');
      const [, recorded, lost] = /stopped: (\d+) deletions recorded, (\d+) lost/.exec(recorder.stderr()) ?? [];
      console.log(
        `${RECORDED} deletions recorded beforehand in ${fillMs} ms; the folder query took ${queryMs} ms; ` +
          `rm -rf of ${storm.paths.size} ran ${rmMs} ms beside it; ` +
          `trace/stats, asked 500 ms into the query, was answered ${statsMs} ms after it began; ` +
          `the recorder took ${recorded} deletions and lost ${lost}`,
      );
      expect(Number(lost)).toBe(0);
    },
  );
});
