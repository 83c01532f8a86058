// The system account the recorder runs as once its programs are loaded
// (docs/flight-recorder.md, "Recorder account"). Root is needed to load BPF
// programs, and for nothing after: a recorder that stayed uid 0, even with
// no capability, could still write every file root owns (/etc/shadow
// among them), so any bug in it would be root's. As its own system user it
// can write its database and its socket, and nothing else of anyone's.
//
// `install` makes the account; `record` run as root becomes it, and refuses
// to start where it does not exist rather than go on as root.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { accountIn, PASSWD, RECORDER_ACCOUNT, type Account } from '../../common/recorderAccount';
import { messageOf } from '../../common/errors';

export { RECORDER_ACCOUNT, type Account } from '../../common/recorderAccount';

/** By absolute path: a PATH search could find a program anyone can replace. */
export const USERADD = '/usr/sbin/useradd';

/** What makes the account, as root would type it. */
export const USERADD_ARGS = [
  '--system',
  '--user-group',
  '--no-create-home',
  '--home-dir',
  '/nonexistent',
  '--shell',
  '/usr/sbin/nologin',
  '--comment',
  'Syscall Trace flight recorder',
  RECORDER_ACCOUNT,
];

/** The recorder cannot become its account; the message says what to do. */
export class RecorderAccountError extends Error {}

/** The account `name` of this system; throws RecorderAccountError where there is none, or it is root's. */
export function recorderAccount(name: string): Account {
  const account = accountIn(readPasswd(), name);
  if (account === undefined) {
    throw new RecorderAccountError(
      `there is no user ${name} for the recorder to run as once its programs are loaded: install makes it, or run ${USERADD} ${USERADD_ARGS.slice(0, -1).map(quoted).join(' ')} ${name}`,
    );
  }
  if (account.uid === 0 || account.gid === 0)
    throw new RecorderAccountError(
      `the user ${name} is root's uid or group: the recorder would go on as root; give it a system user of its own`,
    );
  return account;
}

/** Makes the recorder's account where it is missing; whether it made it. */
export function ensureRecorderAccount(): boolean {
  if (accountIn(readPasswd(), RECORDER_ACCOUNT) !== undefined) return false;
  execFileSync(USERADD, USERADD_ARGS, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  return true;
}

/**
 * Makes `directory` the account's, with `mode`, while the recorder is still
 * root: its database and its socket go there, and it must go on making and
 * removing files in it once it is that account. A missing directory is made
 * (what is missing above it root's, 0755). One that exists must be the
 * account's already: handing over a directory of someone else's would hand
 * over whatever else is in it, so that is for a person to decide (`install`
 * does it for its own directories).
 */
export function claimDirectory(directory: string, mode: number, account: Account | undefined): void {
  const missing: string[] = [];
  for (let current = directory; !exists(current); current = path.dirname(current)) missing.unshift(current);
  if (account !== undefined) requireReachable(missing[0] ?? directory, account);
  try {
    for (const made of missing) {
      fs.mkdirSync(made, { mode: 0o700 });
      if (made === directory && account !== undefined) fs.chownSync(made, account.uid, account.gid);
      fs.chmodSync(made, made === directory ? mode : 0o755);
    }
  } catch (error) {
    throw new RecorderAccountError(`cannot make ${directory}: ${messageOf(error)}`);
  }
  if (missing.length > 0) return;
  const status = fs.lstatSync(directory);
  if (!status.isDirectory()) throw new RecorderAccountError(`${directory} is not a directory`);
  if (account !== undefined && status.uid !== account.uid) {
    throw new RecorderAccountError(
      `${directory} belongs to uid ${status.uid}, and the recorder, which runs as ${account.name} once loaded, keeps its files in a directory of its own: ` +
        `run chown -R ${account.name}: ${directory}, or give a path in a directory that does not exist yet`,
    );
  }
}

/** Throws where a directory above `directory` may not be entered by `account`, which would meet EACCES there once it is that account. */
function requireReachable(directory: string, account: Account): void {
  for (let above = path.dirname(directory); ; above = path.dirname(above)) {
    const { uid, gid, mode } = fs.statSync(above);
    const searchable = uid === account.uid ? mode & 0o100 : gid === account.gid ? mode & 0o010 : mode & 0o001;
    if (searchable === 0) {
      throw new RecorderAccountError(
        `${account.name}, which the recorder runs as once loaded, cannot enter ${above} (mode ${(mode & 0o7777).toString(8)}) to reach ${directory}: give a path it can reach`,
      );
    }
    if (above === path.dirname(above)) return;
  }
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function readPasswd(): string {
  try {
    return fs.readFileSync(PASSWD, 'utf8');
  } catch (error) {
    throw new RecorderAccountError(`cannot read ${PASSWD}: ${messageOf(error)}`);
  }
}

function quoted(word: string): string {
  return /^[A-Za-z0-9/._-]+$/.test(word) ? word : `'${word}'`;
}
