// The tests' way to put something of the recorder's in place before it
// starts: `record` takes only a directory of its own system account
// (helper/recorder/accountSetup.ts), as `install` leaves it.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { RECORDER_ACCOUNT, recorderAccount } from '../../helper/recorder/accountSetup';

/** Gives `file` to the recorder's account: a directory (made where missing) with all it holds, a mount point, a file. */
export function giveToRecorderAccount(file: string): void {
  const { uid, gid } = recorderAccount(RECORDER_ACCOUNT);
  if (!fs.existsSync(file)) fs.mkdirSync(file, { recursive: true, mode: 0o700 });
  if (fs.lstatSync(file).isDirectory()) {
    for (const entry of fs.readdirSync(file, { recursive: true }) as string[])
      fs.lchownSync(path.join(file, entry), uid, gid);
  }
  fs.chownSync(file, uid, gid);
}
