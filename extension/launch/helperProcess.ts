// The helper as a child process: the command line for each elevation method,
// its stderr kept for the log (the last lines explain a failure), and how it
// ended. The helper runs on the extension host's own runtime: under Electron
// ELECTRON_RUN_AS_NODE makes that binary a plain Node, so no system Node is
// needed. Root's side starts from an empty environment (`env -i`), given
// only what the helper reads (helperEnvironment).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

import type { ModeChoice } from '../../common/protocol';
import { ENV, PKEXEC, SUDO, type ElevationMethod } from './elevation';
import { SUDO_PROMPT_MARKER } from './startupConversation';

export interface HelperRuntime {
  /** The JavaScript runtime: the extension host's own (process.execPath). */
  execPath: string;
  /** Absolute path of dist/helper.js. */
  helperScript: string;
}

export interface HelperCommandLine {
  command: string;
  args: string[];
  /** The environment `command` starts with; absent: the extension host's (sudo and pkexec hand none of it on: env -i). */
  env?: Record<string, string>;
}

/** Who the helper becomes once its programs are loaded (docs/privileges.md, "Privileges"). */
export interface Person {
  uid: number;
  gid: number;
}

/** Where root's helper finds programs: the system's directories alone. */
export const HELPER_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The helper's whole environment: what it reads, and nothing else, so that
 * nothing of the person's (NODE_OPTIONS, LD_PRELOAD, whatever sudoers'
 * env_keep lets through) reaches a process of root's.
 * - ELECTRON_RUN_AS_NODE=1: the extension host's runtime is a plain Node only with it.
 * - PATH: the system's directories.
 * - SUDO_UID and SUDO_GID (sudo), PKEXEC_UID (pkexec): the person it becomes
 *   after loading. sudo and pkexec set them, but env -i clears them with the
 *   rest, so they are given again, with the values sudo and pkexec take: the
 *   extension host's own uid and gid.
 * - direct: the extension host is root already, and what it holds is root's
 *   to hand on: the person a root VS Code was started for (its SUDO_UID,
 *   SUDO_GID, PKEXEC_UID), and SYSCALL_TRACE_*, through which tests choose a
 *   program set and sizes.
 */
export function helperEnvironment(
  method: ElevationMethod,
  person: Person = personRunningThis(),
  host: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const environment: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1', PATH: HELPER_PATH };
  switch (method) {
    case 'sudo':
      return { ...environment, SUDO_UID: String(person.uid), SUDO_GID: String(person.gid) };
    case 'pkexec':
      return { ...environment, PKEXEC_UID: String(person.uid) };
    case 'direct':
      for (const [name, value] of Object.entries(host)) {
        if (
          value !== undefined &&
          (['SUDO_UID', 'SUDO_GID', 'PKEXEC_UID'].includes(name) || name.startsWith('SYSCALL_TRACE_'))
        )
          environment[name] = value;
      }
      return environment;
  }
}

function personRunningThis(): Person {
  return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 };
}

/**
 * The helper loads its programs in `mode` before it reads anything (docs/privileges.md, "Elevation").
 * `queueMib`: the helper's --queue-mib (syscallTrace.queueMemoryMiB); absent: the helper's default.
 */
export function helperCommandLine(
  method: ElevationMethod,
  runtime: HelperRuntime,
  mode: ModeChoice,
  queueMib?: number,
): HelperCommandLine {
  const args = ['--stdio', '--mode', mode];
  if (queueMib !== undefined) args.push('--queue-mib', String(queueMib));
  return elevatedCommandLine(method, runtime, args);
}

/**
 * `node dist/helper.js <helperArgs>` as root, by `method`: the long-lived
 * helper and one-shot commands (installing the recorder) alike. sudo reads
 * the password from stdin (-S), one byte at a time up to the newline, so it
 * never takes what follows; its prompt is our marker, so that the extension
 * sees when it asks (startupConversation.ts). Without -k, credentials sudo
 * has cached are used.
 */
export function elevatedCommandLine(
  method: ElevationMethod,
  runtime: HelperRuntime,
  helperArgs: readonly string[],
  person?: Person,
): HelperCommandLine {
  const node = [runtime.execPath, runtime.helperScript, ...helperArgs];
  const environment = helperEnvironment(method, person);
  const asNode = [ENV, '-i', ...Object.entries(environment).map(([name, value]) => `${name}=${value}`), ...node];
  switch (method) {
    case 'direct':
      return { command: runtime.execPath, args: node.slice(1), env: environment };
    case 'pkexec':
      return { command: PKEXEC, args: asNode };
    case 'sudo':
      return { command: SUDO, args: ['-S', '-p', SUDO_PROMPT_MARKER, '--', ...asNode] };
  }
}

export interface StderrListeners {
  /** Each complete line, with `quietText` taken out; for the log. */
  onLine(line: string): void;
  /** Every piece of stderr as it arrives, untouched. */
  onChunk?(chunk: string): void;
  /** Text that carries nothing for a reader (sudo's prompt, our marker), left out of the lines. */
  quietText?: string;
}

export interface HelperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const KEPT_STDERR_LINES = 50;
/** How many of those the log repeats under a failure: the reason is in the last few. */
const LOGGED_STDERR_LINES = 10;
/** How long a helper whose stdin is closed has to end by itself before it is sent SIGTERM (which a root helper does not get: end()). */
const END_GRACE_MS = 2000;
/** How long the pipes may stay open after the process has ended. */
const PIPES_AFTER_EXIT_MS = 1000;

/** The last of the helper's stderr lines, indented, for the log under the line that says what failed. */
export function stderrTailForLog(lines: readonly string[]): string[] {
  return lines.slice(-LOGGED_STDERR_LINES).map((line) => `  ${line}`);
}

export class HelperProcess {
  readonly exited: Promise<HelperExit>;
  private readonly stderrLines: string[] = [];
  private partialLine = '';
  private exit: HelperExit | undefined;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly listeners: StderrListeners,
  ) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      listeners.onChunk?.(chunk);
      const lines = (this.partialLine + chunk).split('\n');
      this.partialLine = lines.pop()!;
      for (const line of lines) this.keep(line);
    });
    // A helper that dies mid-write must not take the extension host down with an EPIPE.
    child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.keep(`could not start ${child.spawnfile}: ${error.message}`);
        this.exit ??= { code: null, signal: null };
        resolve(this.exit);
      });
      child.on('close', (code, signal) => {
        if (this.partialLine !== '') this.keep(this.partialLine);
        this.partialLine = '';
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
      // 'close' waits for the pipes to close too, and a process the command
      // left running (the recorder that `install` starts, say) could hold
      // them for ever: once the command has ended, what was written has come.
      child.once('exit', () => {
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, PIPES_AFTER_EXIT_MS).unref();
      });
    });
  }

  static spawn(commandLine: HelperCommandLine, listeners: StderrListeners): HelperProcess {
    const child = spawn(commandLine.command, commandLine.args, {
      env: commandLine.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new HelperProcess(child, listeners);
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** The last lines the helper (or pkexec, or sudo) wrote to stderr. */
  get lastStderrLines(): readonly string[] {
    return this.stderrLines;
  }

  /** Ends the helper: end of stdin tells it its parent is gone; a signal follows if it does not listen. */
  async end(graceMs = END_GRACE_MS): Promise<HelperExit> {
    if (!this.hasExited) {
      this.child.stdin.end();
      const timer = setTimeout(() => {
        // Under pkexec or sudo the helper is root's and cannot be signalled; closing stdin is what ends it.
        try {
          this.child.kill('SIGTERM');
        } catch {
          // not ours to signal
        }
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  private keep(rawLine: string): void {
    const quiet = this.listeners.quietText;
    const line = quiet === undefined ? rawLine : rawLine.split(quiet).join('');
    // A prompt alone at the end, say, leaves nothing to read.
    if (line === '' && rawLine !== '') return;
    this.stderrLines.push(line);
    if (this.stderrLines.length > KEPT_STDERR_LINES) this.stderrLines.shift();
    this.listeners.onLine(line);
  }
}

export function describeExit(exit: HelperExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  if (exit.code === null) return 'could not be started';
  return `exited with status ${exit.code}`;
}
