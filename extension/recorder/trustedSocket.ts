// Whether the socket named by syscallTrace.recorderSocket is the recorder's.
// Whatever answers there fills the Deletions view with who deleted what, so
// it must be root's making: a socket of root's or of the recorder's own
// system account (common/recorderAccount.ts, which only root can make), in
// directories that only root, that account or the person can change (a
// sticky one such as /tmp allowed, where others can add entries but not
// replace ours). Anything else is not the recorder, and the extension traces
// as it does without one.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What this check reads of a path: fs.Stats has it. */
export interface SocketStatus {
  uid: number;
  mode: number;
  isSocket(): boolean;
  isDirectory(): boolean;
}

export interface SocketCheckOptions {
  /** The uid of the person the extension host runs as. */
  personUid: number;
  /** The uid of the recorder's system account, where this system has one. */
  recorderUid?: number;
  /** Reads a path without following a final symbolic link. */
  stat?: (file: string) => SocketStatus;
  /** Resolves every symbolic link of a path. */
  realpath?: (file: string) => string;
}

export type SocketCheck =
  /** `path`: the socket's real path, which is what to connect to. */
  | { usable: true; path: string }
  /** `missing`: nothing there (no recorder installed, or not running): not worth telling the person. */
  | { usable: false; missing: boolean; reason: string };

const GROUP_OR_OTHERS_WRITABLE = 0o022;
const STICKY = 0o1000;

export function checkRecorderSocket(socketPath: string, options: SocketCheckOptions): SocketCheck {
  const stat = options.stat ?? fs.lstatSync;
  const realpath = options.realpath ?? fs.realpathSync.native;
  if (!path.isAbsolute(socketPath))
    return {
      usable: false,
      missing: false,
      reason: `syscallTrace.recorderSocket must be an absolute path, not "${socketPath}"`,
    };
  let real: string;
  let status: SocketStatus;
  try {
    real = realpath(socketPath);
    status = stat(real);
  } catch {
    return { usable: false, missing: true, reason: `there is no ${socketPath}` };
  }
  if (!status.isSocket()) return { usable: false, missing: false, reason: `${real} is not a socket` };
  const rootOrRecorder = (uid: number): boolean =>
    uid === 0 || (options.recorderUid !== undefined && uid === options.recorderUid);
  if (!rootOrRecorder(status.uid)) {
    return {
      usable: false,
      missing: false,
      reason: `${real} belongs to uid ${status.uid}, not root nor the recorder's account, so it is not the recorder's`,
    };
  }
  for (let directory = path.dirname(real); ; directory = path.dirname(directory)) {
    const above = stat(directory);
    if (!rootOrRecorder(above.uid) && above.uid !== options.personUid) {
      return {
        usable: false,
        missing: false,
        reason: `the directory ${directory} (above ${real}) belongs to uid ${above.uid}, who could put another socket there`,
      };
    }
    const sticky = above.isDirectory() && (above.mode & STICKY) !== 0;
    if (!sticky && (above.mode & GROUP_OR_OTHERS_WRITABLE) !== 0) {
      return {
        usable: false,
        missing: false,
        reason: `the directory ${directory} (above ${real}) can be written by others, who could put another socket there`,
      };
    }
    if (directory === path.dirname(directory)) break;
  }
  return { usable: true, path: real };
}
