// Starts the helper with the first elevation method that works and returns
// the open connection. The sudo password is asked through the caller (a VS
// Code password box), written once to sudo's stdin and kept nowhere.
import { execFile } from 'node:child_process';

import type { AttachMode } from '../common/protocol';
import { elevationMethods, NO_ELEVATION_MESSAGE, type ElevationFacts, type ElevationMethod, type ElevationSetting } from './elevation';
import { HelperConnection, HelperEndedError, type HelperListener } from './helperConnection';
import { helperCommandLine, HelperProcess, type HelperRuntime } from './helperProcess';

export interface LaunchOptions {
  setting: ElevationSetting;
  facts: ElevationFacts;
  runtime: HelperRuntime;
  /** Asks the user for their sudo password; undefined when they cancel. */
  askSudoPassword(): Promise<string | undefined>;
  listener: HelperListener;
  /** Which kernel programs the helper traces with; undefined: its default. */
  attachMode?: AttachMode;
  /** One line for the log: what is tried, and every line the helper writes to stderr. */
  log(line: string): void;
}

/** Starting was refused or cancelled in a way the user should read as it is. */
export class LaunchError extends Error {}

// pkexec's documented exit statuses.
const PKEXEC_DISMISSED = 126;
const PKEXEC_NOT_AUTHORIZED = 127;

export async function launchHelper(options: LaunchOptions): Promise<HelperConnection> {
  const methods = elevationMethods(options.setting, options.facts);
  if (methods.length === 0) throw new LaunchError(NO_ELEVATION_MESSAGE);
  for (const [index, method] of methods.entries()) {
    const last = index === methods.length - 1;
    try {
      return await launchWith(method, options);
    } catch (error) {
      if (error instanceof HelperEndedError && method === 'pkexec') {
        if (error.code === PKEXEC_DISMISSED) throw new LaunchError('Authentication was dismissed: tracing did not start.');
        if (error.code === PKEXEC_NOT_AUTHORIZED && !last) {
          options.log(`pkexec could not authenticate (${error.message}); trying sudo`);
          continue;
        }
      }
      throw error;
    }
  }
  throw new LaunchError(NO_ELEVATION_MESSAGE);
}

async function launchWith(method: ElevationMethod, options: LaunchOptions): Promise<HelperConnection> {
  const runtime = { ...options.runtime, pkexec: options.facts.pkexec, sudo: options.facts.sudo };
  let password: string | undefined;
  if (method === 'sudo' && !(await sudoNeedsNoPassword(runtime.sudo ?? 'sudo'))) {
    password = await options.askSudoPassword();
    if (password === undefined) throw new LaunchError('No password was given: tracing did not start.');
  }
  const commandLine = helperCommandLine(method, runtime, password !== undefined);
  options.log(`starting the helper (${method}): ${[commandLine.command, ...commandLine.args].join(' ')}`);
  const helper = HelperProcess.spawn(commandLine, (line) => {
    options.log(`[helper] ${line}`);
    // sudo asks again after a wrong password and would wait forever for another line.
    if (password !== undefined && /Sorry, try again|incorrect password/i.test(line)) helper.child.stdin.end();
  });
  if (password !== undefined) helper.child.stdin.write(`${password}\n`);
  password = undefined;
  try {
    return await HelperConnection.open(helper, options.listener, options.attachMode);
  } catch (error) {
    await helper.end();
    throw error;
  }
}

/** Whether sudo would run a command without asking (NOPASSWD, or credentials still cached). */
function sudoNeedsNoPassword(sudo: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(sudo, ['-n', 'true'], { timeout: 5000 }, (error) => resolve(error === null));
  });
}
