// The recorder holds against another local user: one who floods it with 1.6
// million failed deletions of their own (each of them is recorded) takes
// the recording past its --retain-mib, and size retention evicts that user's
// oldest deletions, never the earlier deletion of someone else.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, onTestFinished } from 'vitest';

import { HistoryRequest, StartRequest, type DeletionEvent } from '../../../common/protocol';
import { OrdinaryUser } from '../../support/ordinaryUser';
import { buildFixture } from '../../support/programs';
import { recorderTest as it, waitUntil, type RecorderClient } from '../../support/recorder';

const USER_NAME = 'st-flooder';
const FLOOD = 1_600_000;
const RETAIN_MIB = 16;

async function historyOf(client: RecorderClient, directory: string): Promise<DeletionEvent[]> {
  return (await client.connection.sendRequest(HistoryRequest, { scope: { paths: [directory] }, includeFailed: true }))
    .events;
}

/** The last line of a recorder: `stopped: N deletions recorded, M lost, K unrecorded`. */
function stoppedCounts(stderr: string): { recorded: number; lost: number; unrecorded: number } {
  const [, recorded, lost, unrecorded] =
    /stopped: (\d+) deletions recorded, (\d+) lost, (\d+) unrecorded/.exec(stderr) ?? [];
  return { recorded: Number(recorded), lost: Number(lost), unrecorded: Number(unrecorded) };
}

describe('a flood of failed deletions by another user', () => {
  it(
    `past --retain-mib ${RETAIN_MIB}, evicts the flooder's own deletions and keeps the earlier deletion of another user`,
    { timeout: 600_000 },
    async ({ scratch, recorderFiles, spawnRecorder, connect }) => {
      const user = OrdinaryUser.create(USER_NAME);
      onTestFinished(() => user.remove());
      const flooder = buildFixture('failed_unlinks');
      const settings = { args: ['--retain-mib', String(RETAIN_MIB)] };
      const recorder = spawnRecorder(settings);
      await recorder.ready;
      const watcher = await connect();
      await watcher.initialize();
      await watcher.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
      const report = path.join(scratch, 'report.txt');
      fs.writeFileSync(report, '');
      fs.unlinkSync(report);
      await waitUntil('the deletion of report.txt heard', () =>
        watcher.deletions.some((event) => event.path === report),
      );
      expect((await historyOf(watcher, scratch)).map((event) => event.path)).toEqual([report]);

      const started = Date.now();
      await user.run(flooder, [String(FLOOD), path.join(user.home, 'never-there')]);
      const floodMs = Date.now() - started;
      // Until the recorder has taken all it will take from the kernel.
      const stopped = await recorder.stop('SIGTERM');
      expect(stopped).toEqual({ code: 0, signal: null });
      const during = stoppedCounts(recorder.stderr());
      const grownTo = fs.statSync(recorderFiles.database).size;

      // Started again, it applies retention as it opens the file, as it does every minute.
      const again = spawnRecorder(settings);
      const reopened = Date.now();
      await again.ready;
      const retentionMs = Date.now() - reopened;
      const client = await connect();
      await client.initialize();
      expect((await historyOf(client, scratch)).map((event) => event.path)).toEqual([report]);
      const flood = await client.connection.sendRequest(HistoryRequest, {
        scope: { paths: [user.home] },
        includeFailed: true,
        limit: 10,
      });
      expect(flood.events.every((event) => event.uid === user.uid && event.error === 'ENOENT')).toBe(true);
      expect(flood.more).toBe(true);
      await again.stop('SIGTERM');
      const keptBytes = fs.statSync(recorderFiles.database).size;
      console.log(
        `flood of ${FLOOD} failed unlinks: ${floodMs} ms; the recorder took ${during.recorded} deletions, lost ${during.lost}, ` +
          `left ${during.unrecorded} unrecorded; the file grew to ${(grownTo / 2 ** 20).toFixed(1)} MiB; ` +
          `opened again with retention in ${retentionMs} ms, to ${(keptBytes / 2 ** 20).toFixed(1)} MiB`,
      );
      expect(during.recorded).toBeGreaterThan(0);
      expect(keptBytes).toBeLessThanOrEqual(RETAIN_MIB * 2 ** 20);
    },
  );
});
