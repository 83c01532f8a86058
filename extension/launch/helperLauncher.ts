// Starts the helper with the first elevation method that works and returns
// the open connection; runs one-shot helper commands as root the same way
// (installing the recorder). Before sudo or pkexec run anything as root, the
// programs and files involved are checked (trustedFiles.ts). The sudo password
// is asked in a VS Code password box before sudo starts (so that a cancel
// costs nothing), written to sudo's stdin at its prompt and kept nowhere.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DEFAULT_MODE_CHOICE, type ModeChoice } from '../../common/protocol';
import { shellCommandLine } from '../view/displayText';
import {
  elevationMethods,
  ENV,
  noElevationMessage,
  PKEXEC,
  SUDO,
  TRACING,
  type ElevationFacts,
  type ElevationMethod,
  type ElevationPurpose,
  type ElevationSetting,
} from './elevation';
import { HelperConnection, HelperEndedError, type HelperListener } from './helperConnection';
import { elevatedCommandLine, helperCommandLine, type HelperCommandLine, type HelperRuntime } from './helperProcess';
import {
  noPasswordMessage,
  runToCompletion,
  startHelper,
  type CompletedCommand,
  type Patience,
  type StartupOptions,
} from './helperStartup';
import { LaunchError } from './launchError';
import { fixedProgramProblem, untrustedFileProblem } from './trustedFiles';

export { LaunchError } from './launchError';

/** How to get root, and how to ask the person for what that takes: the long-lived helper and one-shot commands alike. */
export interface ElevationOptions {
  setting: ElevationSetting;
  facts: ElevationFacts;
  runtime: HelperRuntime;
  /** Asks the user for their sudo password; undefined when they cancel. */
  askSudoPassword(): Promise<string | undefined>;
  /** Says that sudo did not accept the password; true: ask for it again. Absent: give up at once. */
  offerSudoRetry?(): Promise<boolean>;
  /** One line for the log: what is tried, and every line the helper writes to stderr (and, for a one-shot command, stdout). */
  log(line: string): void;
  /** What the person waits for now, for the progress notification. */
  progress?(message: string): void;
}

export interface LaunchOptions extends ElevationOptions {
  listener: HelperListener;
  /** Which kernel programs the helper loads at its start (its --mode); undefined: DEFAULT_MODE_CHOICE. */
  attachMode?: ModeChoice;
  /** The helper's --queue-mib; undefined: its default. */
  queueMib?: number;
}

export interface HelperCommandOptions extends ElevationOptions {
  purpose: ElevationPurpose;
  /** The helper's arguments (`install --allow-uid 1000 ...`), given the runtime root will run it with. */
  args(runtime: HelperRuntime): string[];
  /** What the progress says while the command runs as root. */
  running: string;
  /** How long the command may take once it runs (the pkexec dialog has its own 10 minutes). */
  patienceMs: number;
}

/** How long `sudo -n true` may take to say whether sudo would ask for a password. */
const SUDO_CHECK_MS = 5000;

// pkexec's documented exit statuses.
const PKEXEC_DISMISSED = 126;
const PKEXEC_NOT_AUTHORIZED = 127;

/**
 * How long the helper may take to say it is ready, started directly or by
 * sudo: loading the programs takes seconds; past a minute, something waits
 * that will not answer.
 */
const READY_MS = 60_000;

const SUDO_PATIENCE: Patience = {
  ms: READY_MS,
  explain: (afterPassword) =>
    afterPassword
      ? `The helper did not say it was ready within ${READY_MS / 1000} s of the password going to sudo: tracing did not start. Its lines so far are in the log.`
      : `sudo neither asked for the password nor started the helper within ${READY_MS / 1000} s: tracing did not start. ` +
        'An authentication module may be waiting for a server that does not answer; the log may say more.',
};
/** How long pkexec may take, its authentication dialog included: the person may be away from the screen a while. */
const PKEXEC_MS = 10 * 60_000;
const pkexecPatience = (purpose: ElevationPurpose, runs: string): Patience => ({
  ms: PKEXEC_MS,
  explain: () =>
    `pkexec did not ${runs} within ${PKEXEC_MS / 60_000} minutes: ${purpose.notDone}. ` +
    'Answer the authentication dialog when it appears, or set syscallTrace.elevation to "sudo".',
});
const DIRECT_PATIENCE: Patience = {
  ms: READY_MS,
  explain: () =>
    `The helper did not say it was ready within ${READY_MS / 1000} s: tracing did not start. Its lines so far are in the log.`,
};

export async function launchHelper(options: LaunchOptions): Promise<HelperConnection> {
  const mode = options.attachMode ?? DEFAULT_MODE_CHOICE;
  return withElevation(options, TRACING, async (method, runtime, password) => {
    const commandLine = helperCommandLine(method, runtime, mode, options.queueMib);
    const helper = await startHelper(commandLine, {
      ...startupOptions(
        method,
        commandLine,
        options,
        TRACING,
        `starting the helper (${method}, ${mode} mode)`,
        'Loading the BPF programs…',
        password,
      ),
      patience:
        method === 'sudo'
          ? SUDO_PATIENCE
          : method === 'pkexec'
            ? pkexecPatience(TRACING, 'start the helper')
            : DIRECT_PATIENCE,
    });
    try {
      return await HelperConnection.open(helper, options.listener);
    } catch (error) {
      await helper.end();
      throw error;
    }
  });
}

/**
 * Runs `node dist/helper.js <args>` once, as root, through the same
 * elevation, password conversation and checks as the long-lived helper, and
 * resolves with how it ended (a status other than 0 included: the caller
 * says what failed). Rejects where root could not be had: a LaunchError for
 * a cancel, a refusal or a file others could change.
 */
export async function runHelperCommand(options: HelperCommandOptions): Promise<CompletedCommand> {
  const { purpose } = options;
  return withElevation(options, purpose, async (method, runtime, password) => {
    const commandLine = elevatedCommandLine(method, runtime, options.args(runtime));
    const patience: Patience =
      method === 'pkexec'
        ? pkexecPatience(purpose, 'run the command')
        : {
            ms: options.patienceMs,
            explain: (afterPassword) =>
              `${afterPassword || method === 'direct' ? 'The command' : 'sudo or the command'} did not end within ${options.patienceMs / 1000} s: ${purpose.notDone}. ` +
              'Its lines so far are in the log.',
          };
    const completed = await runToCompletion(commandLine, {
      ...startupOptions(method, commandLine, options, purpose, `running (${method})`, options.running, password),
      patience,
    });
    const { code } = completed.exit;
    // pkexec's own statuses (dismissed, not authorised) are not the command's: withElevation() reads them.
    if (method === 'pkexec' && (code === PKEXEC_DISMISSED || code === PKEXEC_NOT_AUTHORIZED))
      throw new HelperEndedError(code, completed.stderrLines);
    return completed;
  });
}

/**
 * Tries each elevation method the setting and the machine allow, best first:
 * checks what root will run, asks for the sudo password where sudo needs one,
 * and hands `run` the method, the runtime with its checked real paths and the
 * password. A pkexec that could not authenticate gives way to sudo.
 */
async function withElevation<T>(
  options: ElevationOptions,
  purpose: ElevationPurpose,
  run: (method: ElevationMethod, runtime: HelperRuntime, password: string | undefined) => Promise<T>,
): Promise<T> {
  const methods = elevationMethods(options.setting, options.facts);
  if (methods.length === 0) throw new LaunchError(noElevationMessage(purpose));
  for (const [index, method] of methods.entries()) {
    const last = index === methods.length - 1;
    try {
      const runtime = method === 'direct' ? options.runtime : trustedRuntime(method, options.runtime, purpose);
      let password: string | undefined;
      if (method === 'sudo' && !(await sudoNeedsNoPassword())) {
        password = await options.askSudoPassword();
        if (password === undefined) throw new LaunchError(noPasswordMessage(purpose));
      }
      return await run(method, runtime, password);
    } catch (error) {
      if (error instanceof HelperEndedError && method === 'pkexec') {
        if (error.code === PKEXEC_DISMISSED) throw new LaunchError(`Authentication was dismissed: ${purpose.notDone}.`);
        if (error.code === PKEXEC_NOT_AUTHORIZED && !last) {
          options.log(`pkexec could not authenticate (${error.message}); trying sudo`);
          continue;
        }
      }
      throw error;
    }
  }
  throw new LaunchError(noElevationMessage(purpose));
}

/**
 * What startHelper and runToCompletion share: the log line and progress that
 * say exactly what root will run (no polkit action of our own can be
 * installed without root, so pkexec's dialog names pkexec only), and the sudo
 * conversation, to which the password is handed on.
 */
function startupOptions(
  method: ElevationMethod,
  commandLine: HelperCommandLine,
  options: ElevationOptions,
  purpose: ElevationPurpose,
  what: string,
  /** What the progress says while root runs the command. */
  running: string,
  password: string | undefined,
): Omit<StartupOptions, 'patience'> {
  const shown = shellCommandLine([commandLine.command, ...commandLine.args]);
  options.log(`${what}: ${shown}`);
  options.progress?.(
    method === 'pkexec' ? `Authenticate to run, as root: ${shown}` : method === 'sudo' ? 'Waiting for sudo…' : running,
  );
  return {
    answersSudo: method === 'sudo',
    password,
    dialogs: {
      askPassword: () => options.askSudoPassword(),
      offerRetry: () => options.offerSudoRetry?.() ?? Promise.resolve(false),
    },
    log: options.log,
    progress: options.progress,
    progressAfterPassword: running,
    purpose,
  };
}

/**
 * The runtime with its real paths, once the elevation program, env and every
 * file root will run or load have been found safe: root opens exactly what
 * was checked.
 */
function trustedRuntime(method: 'sudo' | 'pkexec', runtime: HelperRuntime, purpose: ElevationPurpose): HelperRuntime {
  for (const program of [method === 'sudo' ? SUDO : PKEXEC, ENV]) {
    const problem = fixedProgramProblem(program, purpose);
    if (problem !== undefined) throw new LaunchError(problem);
  }
  const problem = untrustedFileProblem(filesRootWillLoad(runtime), { personUid: process.getuid?.() ?? -1, purpose });
  if (problem !== undefined) throw new LaunchError(problem);
  return {
    execPath: fs.realpathSync.native(runtime.execPath),
    helperScript: fs.realpathSync.native(runtime.helperScript),
  };
}

/**
 * The runtime, the helper, its addon, the shared libraries beside it (libbpf,
 * and whatever else ships there: the addon finds them through its $ORIGIN
 * rpath), and the package.json it reads its version from.
 */
function filesRootWillLoad(runtime: HelperRuntime): string[] {
  const dist = path.dirname(runtime.helperScript);
  const libraries = new Set(['libbpf.so.1']);
  try {
    for (const name of fs.readdirSync(dist)) if (/\.so(\.\d+)*$/.test(name)) libraries.add(name);
  } catch {
    // a missing dist/ is named below, by the helper missing
  }
  return [
    runtime.execPath,
    runtime.helperScript,
    path.join(dist, 'syscall_trace.node'),
    ...[...libraries].sort().map((name) => path.join(dist, name)),
    path.join(path.dirname(dist), 'package.json'),
  ];
}

/** Whether sudo would run a command without asking (NOPASSWD, or credentials still cached). */
function sudoNeedsNoPassword(): Promise<boolean> {
  // sudo -n answers at once; one that hangs (an authentication module waiting on a server) counts as asking.
  return new Promise((resolve) => {
    execFile(SUDO, ['-n', 'true'], { timeout: SUDO_CHECK_MS }, (error) => resolve(error === null));
  });
}
