// `install` and `uninstall` (docs/flight-recorder.md, "Installing"): the recorder as
// a service of the system, from root-owned copies of this very helper.
//
// What install leaves, under --root (/ where absent):
//   /usr/local/lib/syscall-trace/          0755 root: helper.js, the addon, libbpf.so.1,
//                                          libsqlite3.so.0, package.json, each 0644 root
//   /usr/local/lib/syscall-trace/runtime/  0755 root: node 0755 root, where the system's Node will not do
//   /etc/systemd/system/syscall-trace-recorder.service   0644 root
//   /var/lib/syscall-trace/                0700 syscall-trace: the database, and without systemd the recorder's log
//   /run/syscall-trace/                    0755 syscall-trace: the socket, and without systemd the pid file
// and the system user syscall-trace (accountSetup.ts), which the recorder
// becomes once its programs are loaded: an account of the running system,
// under --root too, since the recorder that install starts runs here.
// Every file is written beside its place and renamed into it, so that a
// recorder running from the old files never reads half a new one.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { RECORDER_DATABASE_DEFAULT, RECORDER_SOCKET_DEFAULT } from '../../common/protocol';
import { startDetachedRecorder, stopDetachedRecorder } from './detachedRecorder';
import { ensureRecorderAccount, RECORDER_ACCOUNT, recorderAccount, type Account } from './accountSetup';
import { describeAccess, groupText, readAccountFiles, uniqueGroups, type GroupName } from './groups';
import { MINIMUM_NODE_MAJOR, nodeVersionOf, recentEnough, SYSTEM_NODE_CANDIDATES, systemNode } from './runtimeChoice';
import { admittedGroupsOf, admittedUidsOf, UNIT_NAME, unitText } from './systemdUnit';
import { messageOf } from '../../common/errors';
import { readOptional } from '../files';

export const INSTALL_DIRECTORY = '/usr/local/lib/syscall-trace';
export const RUNTIME_COPY = `${INSTALL_DIRECTORY}/runtime/node`;
export const UNIT_FILE = `/etc/systemd/system/${UNIT_NAME}`;
export const STATE_DIRECTORY = path.dirname(RECORDER_DATABASE_DEFAULT);
export const RUN_DIRECTORY = path.dirname(RECORDER_SOCKET_DEFAULT);
export const PID_FILE = `${RUN_DIRECTORY}/recorder.pid`;
export const LOG_FILE = `${STATE_DIRECTORY}/recorder.log`;
/**
 * systemctl by its absolute path, never from PATH: install runs as root, and
 * a PATH of the caller's (a ~/bin first) would have it run another program.
 * Every distribution that runs systemd has it here (/bin is /usr/bin where
 * /usr is merged).
 */
const SYSTEMCTL = '/usr/bin/systemctl';
/** Present where systemd is the running init (sd_booted()). */
const SYSTEMD_RUNNING = '/run/systemd/system';
/** The files of the helper that the recorder runs from, beside this bundle. */
export const HELPER_FILES = ['helper.js', 'syscall_trace.node', 'libbpf.so.1', 'libsqlite3.so.0'];

/** Install or uninstall could not do what it was asked; the message says why, in one line. */
export class InstallError extends Error {}

export interface InstallOptions {
  /** Where the system's root is: / but in tests. */
  root: string;
  allowUids: readonly number[];
  allowGroups: readonly GroupName[];
  /** The runtime to copy where the system's Node will not do. */
  runtime: string;
}

/** What was done, one line each, as it is done. */
export type Say = (line: string) => void;

export async function install(options: InstallOptions, say: Say): Promise<void> {
  requireRoot('install');
  const under = (file: string): string => path.join(options.root, file);
  // Every file is opened and checked before anything is made.
  const sources = helperSources();

  requireKnownGroups(options.allowGroups);
  const unitFile = under(UNIT_FILE);
  const installed = readOptional(unitFile) ?? '';
  const admitted = [...new Set([...admittedUidsOf(installed), ...options.allowUids])].sort((a, b) => a - b);
  const admittedGroups = uniqueGroups([...admittedGroupsOf(installed), ...options.allowGroups]);

  try {
    makeRootDirectory(under(INSTALL_DIRECTORY), 0o755);
    for (const source of sources)
      placeFile(source, under(path.join(INSTALL_DIRECTORY, path.basename(source.path))), 0o644);
  } finally {
    closeSources(sources);
  }
  say(`copied ${sources.map((source) => path.basename(source.path)).join(', ')} into ${under(INSTALL_DIRECTORY)}`);

  const runtime = placeRuntime(options.runtime, under, say);

  const account = makeRecorderAccount(say);
  makeAccountDirectory(under(STATE_DIRECTORY), 0o700, account);
  makeAccountDirectory(under(RUN_DIRECTORY), 0o755, account);
  const unit = unitText({
    runtime,
    helper: `${INSTALL_DIRECTORY}/helper.js`,
    database: RECORDER_DATABASE_DEFAULT,
    socket: RECORDER_SOCKET_DEFAULT,
    allowUids: admitted,
    allowGroups: admittedGroups,
  });
  makeRootDirectory(path.dirname(unitFile), 0o755, { onlyWhereMissing: true });
  writeRootFile(unitFile, unit, 0o644);
  say(`wrote ${unitFile}: the recorder ${describeAccess(admitted, admittedGroups)}`);

  if (fs.existsSync(under(SYSTEMD_RUNNING))) {
    systemctl('daemon-reload');
    systemctl('enable', UNIT_NAME);
    // restart, not start: an installation made again runs its new files and uids.
    systemctl('restart', UNIT_NAME);
    say(`enabled and started ${UNIT_NAME}`);
    return;
  }
  const stopped = await stopDetachedRecorder(under(PID_FILE), under(`${INSTALL_DIRECTORY}/helper.js`));
  if (stopped !== undefined) say(`stopped the recorder that ran before (pid ${stopped})`);
  const pid = await startDetachedRecorder({
    command: [
      under(runtime),
      under(`${INSTALL_DIRECTORY}/helper.js`),
      'record',
      '--db',
      under(RECORDER_DATABASE_DEFAULT),
      '--socket',
      under(RECORDER_SOCKET_DEFAULT),
      ...admitted.flatMap((uid) => ['--allow-uid', String(uid)]),
      ...admittedGroups.flatMap((group) => ['--allow-group', groupText(group)]),
    ],
    logFile: under(LOG_FILE),
    pidFile: under(PID_FILE),
  }).catch((error: unknown) => {
    throw new InstallError(messageOf(error));
  });
  say(
    `started the recorder (pid ${pid}, log ${under(LOG_FILE)}); this system does not run systemd, so it will not start again after a reboot: run install again then`,
  );
}

export interface UninstallOptions {
  root: string;
  deleteHistory: boolean;
}

export async function uninstall(options: UninstallOptions, say: Say): Promise<void> {
  requireRoot('uninstall');
  const under = (file: string): string => path.join(options.root, file);
  const unitFile = under(UNIT_FILE);
  if (fs.existsSync(under(SYSTEMD_RUNNING)) && fs.existsSync(unitFile)) {
    systemctl('disable', '--now', UNIT_NAME);
    say(`stopped and disabled ${UNIT_NAME}`);
  }
  const stopped = await stopDetachedRecorder(under(PID_FILE), under(`${INSTALL_DIRECTORY}/helper.js`));
  if (stopped !== undefined) say(`stopped the recorder (pid ${stopped})`);
  if (removeIfPresent(unitFile)) {
    say(`removed ${unitFile}`);
    if (fs.existsSync(under(SYSTEMD_RUNNING))) systemctl('daemon-reload');
  }
  if (removeIfPresent(under(INSTALL_DIRECTORY))) say(`removed ${under(INSTALL_DIRECTORY)}`);
  removeIfPresent(under(RECORDER_SOCKET_DEFAULT));
  try {
    fs.rmdirSync(under(RUN_DIRECTORY));
  } catch {
    // not there, or not empty: not ours alone
  }
  const state = under(STATE_DIRECTORY);
  if (options.deleteHistory) {
    if (removeIfPresent(state)) say(`deleted the recorded history: ${state}`);
  } else if (fs.existsSync(state)) {
    say(`kept the recorded history in ${state} (uninstall --delete-history deletes it)`);
  }
  // Left, as packages leave their system users: a uid that went to another account could own files that are left behind.
}

/**
 * A group named that /etc/group does not hold is most likely a typing
 * mistake, which would admit no one: refused before anything is written.
 * A gid needs no name: it may be users' primary group alone.
 */
function requireKnownGroups(groups: readonly GroupName[]): void {
  const names = new Set(
    readAccountFiles()
      .group.split('\n')
      .map((line) => line.split(':')[0]),
  );
  const unknown = groups.filter((group) => 'name' in group && !names.has(group.name)).map(groupText);
  if (unknown.length > 0)
    throw new InstallError(
      `no group named ${unknown.join(', ')} in /etc/group: make it first (groupadd), or give its gid`,
    );
}

function requireRoot(command: string): void {
  if (process.getuid?.() !== 0)
    throw new InstallError(
      `${command} must run as root: sudo ${process.execPath} ${path.resolve(process.argv[1])} ${command} ...`,
    );
}

/** The files to copy, open and checked (openSource): the helper's beside this bundle, and the package.json that names its version. */
function helperSources(): OpenSource[] {
  const here = __dirname;
  const files = HELPER_FILES.map((name) => path.join(here, name));
  // A link is there, even where what it names is not: openSource() says what it is.
  const present = (file: string): boolean => fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined;
  const manifest = [path.join(here, 'package.json'), path.join(here, '..', 'package.json')].find(present);
  const missing = files.filter((file) => !present(file));
  if (missing.length > 0 || manifest === undefined) {
    throw new InstallError(
      `the helper to install is incomplete: ${[...missing, ...(manifest ? [] : ['package.json'])].join(', ')} missing (run "npm run build")`,
    );
  }
  const opened: OpenSource[] = [];
  try {
    for (const file of [...files, manifest]) opened.push(openSource(file));
  } catch (error) {
    closeSources(opened);
    throw error;
  }
  return opened;
}

/** A file to copy, open: what is copied is what was checked, whatever its name comes to lead to meanwhile. */
interface OpenSource {
  path: string;
  fd: number;
  stat: fs.Stats;
}

/**
 * Opens a file that install makes root's: the file itself, never what a
 * symbolic link names (copied 0644, a link to /etc/shadow would hand that to
 * everyone), a regular file that only its owner can write, in directories
 * that only their owners can write, up to / (where others can, the file
 * there may be one of theirs, put in place of the helper's).
 */
function openSource(file: string): OpenSource {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in a file's place must not hold install up in open().
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new InstallError(
        `${file} is a symbolic link (to ${readLinkOrWhy(file)}): install copies no link, since what it names would become root's and readable by everyone; install from the helper's own files`,
      );
    }
    throw new InstallError(`cannot read ${file}: ${messageOf(error)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new InstallError(`${file} is not a regular file: install copies files only`);
    if ((stat.mode & 0o022) !== 0)
      throw new InstallError(
        `${file} can be changed by users other than its owner (mode ${modeText(stat.mode)}): run "chmod go-w ${file}" first`,
      );
    const open = directoryOthersCanWrite(path.dirname(file));
    if (open !== undefined) {
      throw new InstallError(
        `${file} lies in ${open.directory}, which users other than its owner can write (mode ${modeText(open.mode)}): the file there may be one of theirs; install from where only root and the helper's owner can write`,
      );
    }
    return { path: file, fd, stat };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

function closeSources(sources: readonly OpenSource[]): void {
  for (const source of sources) fs.closeSync(source.fd);
}

/** The first directory from `directory` (by its real path) up to / that others than its owner can write. */
function directoryOthersCanWrite(directory: string): { directory: string; mode: number } | undefined {
  for (let current = fs.realpathSync(directory); ; current = path.dirname(current)) {
    const { mode } = fs.statSync(current);
    if ((mode & 0o022) !== 0) return { directory: current, mode };
    if (current === path.dirname(current)) return undefined;
  }
}

function readLinkOrWhy(link: string): string {
  try {
    return fs.readlinkSync(link);
  } catch (error) {
    return messageOf(error);
  }
}

const modeText = (mode: number): string => (mode & 0o7777).toString(8);

/** The runtime's path as the installed system sees it: the system's Node, or a copy of `given`. */
function placeRuntime(given: string, under: (file: string) => string, say: Say): string {
  const found = systemNode(under);
  const copy = under(RUNTIME_COPY);
  if (found !== undefined) {
    if (removeIfPresent(path.dirname(copy))) say(`removed the runtime copied before: ${path.dirname(copy)}`);
    say(`runtime: ${under(found.path)} (Node.js ${found.version}), the system's`);
    return found.path;
  }
  const source = openSource(given);
  try {
    makeRootDirectory(path.dirname(copy), 0o755);
    // The copy is made root's before it is run at all: the file given may be one its user can still change.
    placeFile(source, copy, 0o755);
  } finally {
    closeSources([source]);
  }
  const version = nodeVersionOf(copy);
  if (version === undefined || !recentEnough(version)) {
    removeIfPresent(path.dirname(copy));
    throw new InstallError(
      `no runtime to install: the system has no Node.js ${MINIMUM_NODE_MAJOR} or later that only root can change (${SYSTEM_NODE_CANDIDATES.join(', ')}), and ${given} ${version === undefined ? 'runs no Node.js' : `runs Node.js ${version}`}`,
    );
  }
  say(`runtime: a copy of ${given} (Node.js ${version}) in ${copy}`);
  return RUNTIME_COPY;
}

/** Makes `directory` (and what is missing above it, 0755) root's with `mode`, whatever the umask. */
function makeRootDirectory(directory: string, mode: number, { onlyWhereMissing = false } = {}): void {
  const missing: string[] = [];
  for (let current = directory; !fs.existsSync(current); current = path.dirname(current)) missing.unshift(current);
  try {
    for (const made of missing) {
      fs.mkdirSync(made, { mode: 0o700 });
      fs.chownSync(made, 0, 0);
      fs.chmodSync(made, made === directory ? mode : 0o755);
    }
    if (missing.length === 0 && !onlyWhereMissing) {
      if (!fs.lstatSync(directory).isDirectory()) throw new Error(`${directory} is not a directory`);
      fs.chownSync(directory, 0, 0);
      fs.chmodSync(directory, mode);
    }
  } catch (error) {
    throw new InstallError(`cannot make ${directory}: ${messageOf(error)}`);
  }
}

/** The recorder's system user, made where missing. */
function makeRecorderAccount(say: Say): Account {
  try {
    if (ensureRecorderAccount())
      say(`made the system user ${RECORDER_ACCOUNT}, which the recorder runs as once loaded`);
    return recorderAccount(RECORDER_ACCOUNT);
  } catch (error) {
    throw new InstallError(`cannot make the system user ${RECORDER_ACCOUNT}: ${whyItFailed(error)}`);
  }
}

/**
 * Makes `directory` the recorder account's, with `mode`, and everything in it
 * (a recording that an earlier install left root's). Links are changed, not
 * followed.
 */
function makeAccountDirectory(directory: string, mode: number, account: Account): void {
  makeRootDirectory(directory, mode);
  try {
    for (const entry of fs.readdirSync(directory, { recursive: true }) as string[])
      fs.lchownSync(path.join(directory, entry), account.uid, account.gid);
    fs.chownSync(directory, account.uid, account.gid);
  } catch (error) {
    throw new InstallError(`cannot give ${directory} to ${account.name}: ${messageOf(error)}`);
  }
}

/** Copies `source` to `destination`, root's with `mode`; a file onto itself (installing from the installed copy) stays as it is. */
function placeFile(source: OpenSource, destination: string, mode: number): void {
  const there = fs.statSync(destination, { throwIfNoEntry: false });
  if (there !== undefined && there.dev === source.stat.dev && there.ino === source.stat.ino) return;
  const temporary = `${destination}.new-${process.pid}`;
  try {
    copyOpenFile(source.fd, temporary);
    fs.chownSync(temporary, 0, 0);
    fs.chmodSync(temporary, mode);
    fs.renameSync(temporary, destination);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new InstallError(`cannot copy ${source.path} to ${destination}: ${messageOf(error)}`);
  }
}

/** Writes what the open file `fd` holds into a new file `destination`, 0600. */
function copyOpenFile(fd: number, destination: string): void {
  const output = fs.openSync(destination, 'w', 0o600);
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let position = 0; ;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) return;
      for (let written = 0; written < read;) written += fs.writeSync(output, buffer, written, read - written);
      position += read;
    }
  } finally {
    fs.closeSync(output);
  }
}

function writeRootFile(file: string, text: string, mode: number): void {
  const temporary = `${file}.new-${process.pid}`;
  try {
    fs.writeFileSync(temporary, text, { mode: 0o600 });
    fs.chownSync(temporary, 0, 0);
    fs.chmodSync(temporary, mode);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new InstallError(`cannot write ${file}: ${messageOf(error)}`);
  }
}

/** Removes a file or a directory with all it holds; whether there was one. */
function removeIfPresent(target: string): boolean {
  if (!fs.existsSync(target)) return false;
  fs.rmSync(target, { recursive: true, force: true });
  return true;
}

function systemctl(...args: string[]): void {
  try {
    execFileSync(SYSTEMCTL, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    throw new InstallError(`systemctl ${args.join(' ')} failed: ${whyItFailed(error)}`);
  }
}

/** Why a program run with execFileSync failed: the last line it wrote on stderr, or else how it ended. */
function whyItFailed(error: unknown): string {
  const said = ((error as { stderr?: string }).stderr ?? '').trim().split('\n').pop();
  return said || messageOf(error);
}
