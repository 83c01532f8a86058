// The system account the flight recorder runs as once its programs are
// loaded (docs/flight-recorder.md, "Recorder account"): the recorder becomes it, and
// the extension takes a socket of root's or of this account's as the
// recorder's. Only root can make an account, so a socket or a directory of
// this account's was made by root's recorder.
import * as fs from 'node:fs';

import { PASSWD, passwdEntries, type Account } from './passwd';

export { PASSWD, type Account } from './passwd';

/** The account's name, and its group's. */
export const RECORDER_ACCOUNT = 'syscall-trace';

/** The account `name` in passwd text, or undefined. */
export function accountIn(passwd: string, name: string): Account | undefined {
  return passwdEntries(passwd).find((account) => account.name === name);
}

/** The uid of this system's recorder account, or undefined where there is none (no recorder was ever installed). */
export function recorderAccountUid(passwd = PASSWD): number | undefined {
  try {
    const uid = accountIn(fs.readFileSync(passwd, 'utf8'), RECORDER_ACCOUNT)?.uid;
    // An account of root's uid would make "root's or the recorder's" mean nothing more than root's.
    return uid === 0 ? undefined : uid;
  } catch {
    return undefined;
  }
}
