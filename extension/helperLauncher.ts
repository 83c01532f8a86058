// Starts the helper with the first elevation method that works and returns
// the open connection. Before sudo or pkexec run anything as root, the
// programs and files involved are checked (trustedFiles.ts). The sudo password
// is asked in a VS Code password box before sudo starts (so that a cancel
// costs nothing), written to sudo's stdin at its prompt and kept nowhere.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DEFAULT_MODE_CHOICE, type ModeChoice } from '../common/protocol';
import { shellCommandLine } from './displayText';
import { elevationMethods, ENV, NO_ELEVATION_MESSAGE, PKEXEC, SUDO, type ElevationFacts, type ElevationMethod, type ElevationSetting } from './elevation';
import { HelperConnection, HelperEndedError, type HelperListener } from './helperConnection';
import { helperCommandLine, type HelperRuntime } from './helperProcess';
import { NO_PASSWORD_MESSAGE, startHelper, type Patience } from './helperStartup';
import { LaunchError } from './launchError';
import { fixedProgramProblem, untrustedFileProblem } from './trustedFiles';

export { LaunchError } from './launchError';

export interface LaunchOptions {
  setting: ElevationSetting;
  facts: ElevationFacts;
  runtime: HelperRuntime;
  /** Asks the user for their sudo password; undefined when they cancel. */
  askSudoPassword(): Promise<string | undefined>;
  /** Says that sudo did not accept the password; true: ask for it again. Absent: give up at once. */
  offerSudoRetry?(): Promise<boolean>;
  listener: HelperListener;
  /** Which kernel programs the helper loads at its start (its --mode); undefined: DEFAULT_MODE_CHOICE. */
  attachMode?: ModeChoice;
  /** The helper's --queue-mib; undefined: its default. */
  queueMib?: number;
  /** One line for the log: what is tried, and every line the helper writes to stderr. */
  log(line: string): void;
  /** What the person waits for now, for the progress notification. */
  progress?(message: string): void;
}

// pkexec's documented exit statuses.
const PKEXEC_DISMISSED = 126;
const PKEXEC_NOT_AUTHORIZED = 127;

const SUDO_PATIENCE: Patience = {
  ms: 60_000,
  explain: (afterPassword) =>
    afterPassword
      ? 'The helper did not say it was ready within 60 s of the password going to sudo: tracing did not start. Its lines so far are in the log.'
      : 'sudo neither asked for the password nor started the helper within 60 s: tracing did not start. ' +
        'An authentication module may be waiting for a server that does not answer; the log may say more.',
};
const PKEXEC_PATIENCE: Patience = {
  ms: 10 * 60_000,
  explain: () =>
    'pkexec did not start the helper within 10 minutes: tracing did not start. ' +
    'Answer the authentication dialog when it appears, or set syscallTrace.elevation to "sudo".',
};
const DIRECT_PATIENCE: Patience = {
  ms: 60_000,
  explain: () => 'The helper did not say it was ready within 60 s: tracing did not start. Its lines so far are in the log.',
};

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
  const mode = options.attachMode ?? DEFAULT_MODE_CHOICE;
  const runtime = method === 'direct' ? options.runtime : trustedRuntime(method, options.runtime);
  let password: string | undefined;
  if (method === 'sudo' && !(await sudoNeedsNoPassword())) {
    password = await options.askSudoPassword();
    if (password === undefined) throw new LaunchError(NO_PASSWORD_MESSAGE);
  }
  const commandLine = helperCommandLine(method, runtime, mode, options.queueMib);
  const shown = shellCommandLine([commandLine.command, ...commandLine.args]);
  options.log(`starting the helper (${method}, ${mode} mode): ${shown}`);
  if (method === 'pkexec') {
    // No polkit action of our own can be installed without root, so the dialog names pkexec only: say here what it will run.
    options.progress?.(`Authenticate to run, as root: ${shown}`);
  } else {
    options.progress?.(method === 'sudo' ? 'Waiting for sudo…' : 'Loading the BPF programs…');
  }
  const helper = await startHelper(commandLine, {
    answersSudo: method === 'sudo',
    password,
    dialogs: { askPassword: () => options.askSudoPassword(), offerRetry: () => options.offerSudoRetry?.() ?? Promise.resolve(false) },
    log: options.log,
    progress: options.progress,
    patience: method === 'sudo' ? SUDO_PATIENCE : method === 'pkexec' ? PKEXEC_PATIENCE : DIRECT_PATIENCE,
  });
  password = undefined;
  try {
    return await HelperConnection.open(helper, options.listener);
  } catch (error) {
    await helper.end();
    throw error;
  }
}

/**
 * The runtime with its real paths, once the elevation program, env and every
 * file root will run or load have been found safe: root opens exactly what
 * was checked.
 */
function trustedRuntime(method: 'sudo' | 'pkexec', runtime: HelperRuntime): HelperRuntime {
  for (const program of [method === 'sudo' ? SUDO : PKEXEC, ENV]) {
    const problem = fixedProgramProblem(program);
    if (problem !== undefined) throw new LaunchError(problem);
  }
  const problem = untrustedFileProblem(filesRootWillLoad(runtime), { personUid: process.getuid?.() ?? -1 });
  if (problem !== undefined) throw new LaunchError(problem);
  return { execPath: fs.realpathSync.native(runtime.execPath), helperScript: fs.realpathSync.native(runtime.helperScript) };
}

/** The runtime, the helper, its addon and libbpf beside it, and the package.json it reads its version from. */
function filesRootWillLoad(runtime: HelperRuntime): string[] {
  const dist = path.dirname(runtime.helperScript);
  return [
    runtime.execPath,
    runtime.helperScript,
    path.join(dist, 'syscall_trace.node'),
    path.join(dist, 'libbpf.so.1'),
    path.join(path.dirname(dist), 'package.json'),
  ];
}

/** Whether sudo would run a command without asking (NOPASSWD, or credentials still cached). */
function sudoNeedsNoPassword(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(SUDO, ['-n', 'true'], { timeout: 5000 }, (error) => resolve(error === null));
  });
}
