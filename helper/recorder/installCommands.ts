// `node dist/helper.js install [--allow-uid UID]... [--allow-group GROUP]...
// [--runtime FILE] [--root DIR]`
// and `node dist/helper.js uninstall [--delete-history] [--root DIR]`
// (docs/wire-protocol.md, "Terminal command" and "Installing"): what was done on
// stdout, one line each; exit status 0 once all is done, 1 with one line on
// stderr saying why where something could not be, 2 with the usage for a
// wrong option.
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { parseGroup, uniqueGroups } from './groups';
import { install, uninstall, type InstallOptions, type UninstallOptions } from './installation';
import { parseUid } from './uids';
import { messageOf } from '../../common/errors';
import { runCommand } from '../commands/commandRunner';

export const INSTALL_USAGE = `usage: node dist/helper.js install [--allow-uid UID]... [--allow-group GROUP]... [--runtime FILE] [--root DIR]
  --allow-uid UID      a user besides root that may use the recorder, to see its own processes'
                       deletions (repeatable; added to those an earlier install admitted)
  --allow-group GROUP  a group (name or gid) whose members may use the recorder, to see every
                       user's deletions, as root does (repeatable; added to those an earlier
                       install admitted)
  --runtime FILE       the runtime to copy where the system has no Node.js 20 or later of root's own
                       (default: the one running this command)
  --root DIR           install under DIR instead of /`;

export const UNINSTALL_USAGE = `usage: node dist/helper.js uninstall [--delete-history] [--root DIR]
  --delete-history  also delete the recorded deletions (kept otherwise)
  --root DIR        uninstall from under DIR instead of /`;

export function parseInstallArguments(args: string[], cwd: string): InstallOptions {
  const { values } = parseArgs({
    args,
    options: {
      'allow-uid': { type: 'string', multiple: true },
      'allow-group': { type: 'string', multiple: true },
      runtime: { type: 'string' },
      root: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const given = (values['allow-uid'] ?? []).map((uid) => parseUid('--allow-uid', uid));
  const allowGroups = uniqueGroups((values['allow-group'] ?? []).map((group) => parseGroup('--allow-group', group)));
  if (given.length === 0 && allowGroups.length === 0) {
    throw new TypeError(
      'install needs --allow-uid or --allow-group: the user or the group who will use the recorder (root always may)',
    );
  }
  // Root is always admitted: a VS Code that runs as root names uid 0, which need not be listed.
  const allowUids = [...new Set(given.filter((uid) => uid !== 0))];
  return {
    allowUids,
    allowGroups,
    runtime: path.resolve(cwd, nonEmpty('--runtime', values.runtime) ?? process.execPath),
    root: path.resolve(cwd, nonEmpty('--root', values.root) ?? '/'),
  };
}

export function parseUninstallArguments(args: string[], cwd: string): UninstallOptions {
  const { values } = parseArgs({
    args,
    options: { 'delete-history': { type: 'boolean', default: false }, root: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  return {
    deleteHistory: values['delete-history'] === true,
    root: path.resolve(cwd, nonEmpty('--root', values.root) ?? '/'),
  };
}

function nonEmpty(option: string, given: string | undefined): string | undefined {
  if (given === '') throw new TypeError(`${option} needs a path`);
  return given;
}

/** What was done: one line each, on stdout. */
function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Every failure is said: an InstallError says what it could not do; anything else that failed (the file system) says it in its own message. */
const failureMessage = messageOf;

export function runInstallCommand(args: string[]): void {
  runCommand({
    usage: INSTALL_USAGE,
    parse: () => parseInstallArguments(args, process.cwd()),
    run: (options) => install(options, say),
    failureMessage,
  });
}

export function runUninstallCommand(args: string[]): void {
  runCommand({
    usage: UNINSTALL_USAGE,
    parse: () => parseUninstallArguments(args, process.cwd()),
    run: (options) => uninstall(options, say),
    failureMessage,
  });
}
