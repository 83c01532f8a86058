// Whether the files that sudo or pkexec will run as root can be changed by
// anyone but root and the person at the keyboard. A file another user can
// replace (or a directory above it they can write) would hand them root the
// moment the person types their password. A file is taken for what it is,
// not for what it names: a symbolic link among them is refused, since it
// could name anything (/etc/shadow, which root would then read). No
// directory others can write is allowed, not even a sticky one such as /tmp:
// there others cannot replace what is ours, but whatever name is missing
// there, anyone can make first.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TRACING, type ElevationPurpose } from './elevation';

/** What these checks read of a file: fs.Stats has it. */
export interface FileStatus {
  uid: number;
  gid: number;
  mode: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export type StatFunction = (file: string) => FileStatus;

export interface TrustOptions {
  /** The uid of the person the extension host runs as. */
  personUid: number;
  /** Reads a path without following a final symbolic link. */
  stat?: StatFunction;
  /** Resolves every symbolic link of a path. */
  realpath?: (file: string) => string;
  /** What root was to do, for the sentence; absent: tracing. */
  purpose?: ElevationPurpose;
}

const GROUP_WRITABLE = 0o020;
const OTHERS_WRITABLE = 0o002;
const STICKY = 0o1000;

/**
 * Why root must not run or load `files`, as a sentence for the person; undefined
 * when each of them is a file, not a symbolic link, and only root and the
 * person can change it and every directory above it. The directories are
 * checked by their real paths: those are what root will open (Node runs a
 * script by its real path).
 */
export function untrustedFileProblem(files: readonly string[], options: TrustOptions): string | undefined {
  const stat = options.stat ?? fs.lstatSync;
  const realpath = options.realpath ?? fs.realpathSync.native;
  const purpose = options.purpose ?? TRACING;
  for (const file of files) {
    let real: string;
    try {
      if (stat(file).isSymbolicLink()) {
        return `${file} is a symbolic link, and the helper would load whatever it names as root: ${purpose.notDone}. Reinstall the extension.`;
      }
      real = realpath(file);
    } catch {
      return `${file} is missing, and the helper needs it to run as root: ${purpose.notDone}. Reinstall the extension.`;
    }
    const status = stat(real);
    if (!status.isFile())
      return `${real} is not a regular file, and the helper would load it as root: ${purpose.notDone}.`;
    const fileProblem = whoElseCanChange(real, status, options.personUid);
    if (fileProblem !== undefined) return refusal(real, fileProblem, purpose);
    for (let directory = path.dirname(real); ; directory = path.dirname(directory)) {
      const problem = whoElseCanChange(directory, stat(directory), options.personUid);
      if (problem !== undefined) return refusal(`The directory ${directory} (above ${real})`, problem, purpose);
      if (directory === path.dirname(directory)) break;
    }
  }
  return undefined;
}

/**
 * Why a system program (sudo, pkexec, env at their fixed paths) must not be
 * run, as a sentence; undefined when it is a regular file of root's that only
 * root can write. `stat` follows links: what counts is the file run.
 */
export function fixedProgramProblem(
  program: string,
  purpose: ElevationPurpose = TRACING,
  stat: StatFunction = fs.statSync,
): string | undefined {
  let status: FileStatus;
  try {
    status = stat(program);
  } catch {
    return `${program} does not exist, and Syscall Trace runs ${path.basename(program)} from there only: ${purpose.notDone}.`;
  }
  if (!status.isFile())
    return `${program} is not a regular file, so Syscall Trace will not run it: ${purpose.notDone}.`;
  if (status.uid !== 0)
    return `${program} belongs to ${userName(status.uid)}, not root, so Syscall Trace will not run it: ${purpose.notDone}.`;
  const writers = writersBesidesOwner(status);
  if (writers !== undefined) {
    return `${program} can be written by ${writers.who}, so Syscall Trace will not run it: ${purpose.notDone}. Have root run \`chmod ${writers.chmod} ${program}\`.`;
  }
  return undefined;
}

interface Problem {
  who: string;
  /** What the person can do about it. */
  remedy: string;
}

function whoElseCanChange(file: string, status: FileStatus, personUid: number): Problem | undefined {
  if (status.uid !== 0 && status.uid !== personUid) {
    return {
      who: `its owner, ${userName(status.uid)}`,
      remedy: `install the extension where only you and root can write, or have root give ${file} to you (chown)`,
    };
  }
  const writers = writersBesidesOwner(status);
  if (writers === undefined) return undefined;
  // A sticky directory such as /tmp is writable by others on purpose: taking that away is no remedy.
  if (status.isDirectory() && (status.mode & STICKY) !== 0)
    return { who: writers.who, remedy: 'install the extension where only you and root can write' };
  return {
    who: writers.who,
    remedy: `run \`chmod ${writers.chmod} ${file}\`, or install the extension where only you and root can write`,
  };
}

function writersBesidesOwner(status: FileStatus): { who: string; chmod: string } | undefined {
  const byGroup = (status.mode & GROUP_WRITABLE) !== 0;
  const byOthers = (status.mode & OTHERS_WRITABLE) !== 0;
  if (byOthers)
    return { who: byGroup ? `every user (and group ${groupName(status.gid)})` : 'every user', chmod: 'go-w' };
  if (byGroup) return { who: `the members of group ${groupName(status.gid)}`, chmod: 'g-w' };
  return undefined;
}

function refusal(subject: string, problem: Problem, purpose: ElevationPurpose): string {
  return (
    `${subject} can be changed by ${problem.who}, and the helper would run from it as root: ${purpose.notDone}. ` +
    `${purpose.toDo}, ${problem.remedy}.`
  );
}

function userName(uid: number): string {
  const name = accountName('/etc/passwd', uid);
  return name === undefined ? `uid ${uid}` : `${name} (uid ${uid})`;
}

function groupName(gid: number): string {
  const name = accountName('/etc/group', gid);
  return name === undefined ? `gid ${gid}` : `${name} (gid ${gid})`;
}

/** The name of an id in /etc/passwd or /etc/group (name:password:id:...); only for the message. */
function accountName(database: string, id: number): string | undefined {
  try {
    for (const line of fs.readFileSync(database, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields.length > 2 && fields[2] === String(id)) return fields[0];
    }
  } catch {
    // no names then: the number says it
  }
  return undefined;
}
