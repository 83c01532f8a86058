// The recorder is root only to load its programs: from then on every thread
// is its own system account (syscall-trace), with no capability it does not
// need to attach again, so that a bug in it can write nothing of anyone's
// but its own database and socket. Even where sudo started it: it does not
// become the user who asked, who could otherwise stop it or read its files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { RECORDER_ACCOUNT, recorderAccount } from '../../../helper/recorder/accountSetup';
import { OrdinaryUser } from '../../support/ordinaryUser';
import { UndoStack } from '../../support/undoStack';
import { everyThreadAgainst } from '../../support/helperServer';
import { recorderTest as it } from '../../support/recorder';

const USER_NAME = 'st-rec-asker';
const CAP_PERFMON = 38n;

describe("the recorder's account", () => {
  const undo = new UndoStack();
  let user: OrdinaryUser;

  beforeAll(() => {
    OrdinaryUser.removeLeftover(USER_NAME);
    user = OrdinaryUser.create(USER_NAME);
    undo.push(`removing the user ${USER_NAME}`, () => user.remove());
  });

  afterAll(() => undo.run());

  it('is what every thread becomes once loaded, even where sudo started it: its uid and group alone, no capabilities, no_new_privs', async ({
    spawnRecorder,
  }) => {
    const account = recorderAccount(RECORDER_ACCOUNT);
    const recorder = spawnRecorder({ env: { SUDO_UID: String(user.uid), SUDO_GID: String(user.gid) } });
    await recorder.ready;
    const { actual, wanted } = everyThreadAgainst(recorder.pid, {
      uids: [account.uid, account.uid, account.uid, account.uid],
      gids: [account.gid, account.gid, account.gid, account.gid],
      groups: [account.gid],
      noNewPrivileges: true,
    });
    expect(actual).toEqual(wanted);
    // CAP_PERFMON alone may stay, where it took the tracepoint programs and attaches again with it.
    const effective = everyThreadAgainst(recorder.pid, { effective: 0n });
    expect(
      effective.actual.map((thread) => ({
        ...thread,
        effective: (thread as { effective: bigint }).effective & ~(1n << CAP_PERFMON),
      })),
    ).toEqual(effective.wanted);
  });

  it('owns its database, its socket and their directories; the user who asked through sudo cannot end it', async ({
    recorderFiles,
    spawnRecorder,
  }) => {
    const account = recorderAccount(RECORDER_ACCOUNT);
    const recorder = spawnRecorder({ env: { SUDO_UID: String(user.uid), SUDO_GID: String(user.gid) } });
    await recorder.ready;
    for (const file of [
      recorderFiles.database,
      path.dirname(recorderFiles.database),
      recorderFiles.socket,
      path.dirname(recorderFiles.socket),
    ]) {
      const { uid, gid } = fs.statSync(file);
      expect({ file, uid, gid }).toEqual({ file, uid: account.uid, gid: account.gid });
    }
    expect(fs.statSync(path.dirname(recorderFiles.database)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(recorderFiles.database).mode & 0o777).toBe(0o600);
    const kill = await user.runWithInput('/bin/kill', ['-TERM', String(recorder.pid)], '');
    expect(kill.status).not.toBe(0);
    expect(recorder.child.exitCode).toBeNull();
  });

  it('refuses to start as root where its account does not exist, and says what makes it', async ({ spawnRecorder }) => {
    const recorder = spawnRecorder({ args: ['--user', 'st-no-such-account'] });
    expect(await recorder.exited).toEqual({ code: 1, signal: null });
    expect(recorder.stderr()).toContain(
      'syscall-trace: the recorder cannot start: there is no user st-no-such-account for the recorder to run as once its programs are loaded: install makes it, or run /usr/sbin/useradd --system',
    );
  });

  it('refuses a directory its account could not reach, before it loads anything', async ({
    scratch,
    spawnRecorder,
  }) => {
    // A scratch directory is root's, 0700.
    const recorder = spawnRecorder({ database: path.join(scratch, 'state', 'deletions.db') });
    expect(await recorder.exited).toEqual({ code: 1, signal: null });
    expect(recorder.stderr()).toContain(
      `syscall-trace: the recorder cannot start: ${RECORDER_ACCOUNT}, which the recorder runs as once loaded, cannot enter ${scratch} (mode 700)`,
    );
    expect(recorder.stderr()).not.toContain('loaded (');
  });

  it("refuses a database directory that is someone else's, rather than hand it over or go on as root", async ({
    recorderFiles,
    spawnRecorder,
  }) => {
    const state = path.dirname(recorderFiles.database);
    fs.mkdirSync(state, { mode: 0o700 });
    const recorder = spawnRecorder();
    expect(await recorder.exited).toEqual({ code: 1, signal: null });
    expect(recorder.stderr()).toContain(
      `syscall-trace: the recorder cannot start: ${state} belongs to uid 0, and the recorder, which runs as ${RECORDER_ACCOUNT} once loaded, keeps its files in a directory of its own`,
    );
    expect(fs.readdirSync(state)).toEqual([]);
  });
});
