// Whether the socket named by syscallTrace.recorderSocket is the recorder's.
// Whatever answers there fills the Deletions view with who deleted what, so
// it must be root's: a socket of root's, in directories that only root or
// the person can change (a sticky one such as /tmp allowed, where others can
// add entries but not replace ours). Anything else is not the recorder, and
// the extension traces as it does without one.
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
  if (!path.isAbsolute(socketPath)) return { usable: false, missing: false, reason: `syscallTrace.recorderSocket must be an absolute path, not "${socketPath}"` };
  let real: string;
  let status: SocketStatus;
  try {
    real = realpath(socketPath);
    status = stat(real);
  } catch {
    return { usable: false, missing: true, reason: `there is no ${socketPath}` };
  }
  if (!status.isSocket()) return { usable: false, missing: false, reason: `${real} is not a socket` };
  if (status.uid !== 0) return { usable: false, missing: false, reason: `${real} belongs to uid ${status.uid}, not root, so it is not the recorder's` };
  for (let directory = path.dirname(real); ; directory = path.dirname(directory)) {
    const above = stat(directory);
    if (above.uid !== 0 && above.uid !== options.personUid) {
      return { usable: false, missing: false, reason: `the directory ${directory} (above ${real}) belongs to uid ${above.uid}, who could put another socket there` };
    }
    const sticky = above.isDirectory() && (above.mode & STICKY) !== 0;
    if (!sticky && (above.mode & GROUP_OR_OTHERS_WRITABLE) !== 0) {
      return { usable: false, missing: false, reason: `the directory ${directory} (above ${real}) can be written by others, who could put another socket there` };
    }
    if (directory === path.dirname(directory)) break;
  }
  return { usable: true, path: real };
}
