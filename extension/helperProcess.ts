// The helper as a child process: the command line for each elevation method,
// its stderr kept for the log (the last lines explain a failure), and how it
// ended. The helper runs on the extension host's own runtime: under Electron
// ELECTRON_RUN_AS_NODE makes that binary a plain Node, so no system Node is
// needed. pkexec and sudo clear the environment, so `env` sets it again.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

import type { ElevationMethod } from './elevation';

export interface HelperRuntime {
  /** The JavaScript runtime: the extension host's own (process.execPath). */
  execPath: string;
  /** Absolute path of dist/helper.js. */
  helperScript: string;
  /** Absolute paths of the elevation programs and of env, where found. */
  pkexec?: string;
  sudo?: string;
  env?: string;
}

export interface HelperCommandLine {
  command: string;
  args: string[];
}

/**
 * `password` is for sudo only: with one, sudo is told to forget any cached
 * credentials and read the password from stdin (so that the password line is
 * always consumed by sudo, never by the helper); without one, sudo must not ask.
 */
export function helperCommandLine(method: ElevationMethod, runtime: HelperRuntime, withPassword = false): HelperCommandLine {
  const node = [runtime.execPath, runtime.helperScript, '--stdio'];
  const asNode = [runtime.env ?? '/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', ...node];
  switch (method) {
    case 'direct':
      return { command: runtime.execPath, args: node.slice(1) };
    case 'pkexec':
      return { command: runtime.pkexec ?? 'pkexec', args: asNode };
    case 'sudo':
      return {
        command: runtime.sudo ?? 'sudo',
        args: [...(withPassword ? ['-k', '-S', '-p', ''] : ['-n']), '--', ...asNode],
      };
  }
}

export interface HelperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const KEPT_STDERR_LINES = 50;

export class HelperProcess {
  readonly exited: Promise<HelperExit>;
  private readonly stderrLines: string[] = [];
  private partialLine = '';
  private exit: HelperExit | undefined;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    onStderrLine: (line: string) => void,
  ) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const lines = (this.partialLine + chunk).split('\n');
      this.partialLine = lines.pop()!;
      for (const line of lines) this.keep(line, onStderrLine);
    });
    // A helper that dies mid-write must not take the extension host down with an EPIPE.
    child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.keep(`could not start ${child.spawnfile}: ${error.message}`, onStderrLine);
        this.exit ??= { code: null, signal: null };
        resolve(this.exit);
      });
      child.on('close', (code, signal) => {
        if (this.partialLine !== '') this.keep(this.partialLine, onStderrLine);
        this.partialLine = '';
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
    });
  }

  static spawn(commandLine: HelperCommandLine, onStderrLine: (line: string) => void): HelperProcess {
    const child = spawn(commandLine.command, commandLine.args, {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new HelperProcess(child, onStderrLine);
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** The last lines the helper (or pkexec, or sudo) wrote to stderr. */
  get lastStderrLines(): readonly string[] {
    return this.stderrLines;
  }

  /** Ends the helper: end of stdin tells it its parent is gone; a signal follows if it does not listen. */
  async end(graceMs = 2000): Promise<HelperExit> {
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

  private keep(line: string, onStderrLine: (line: string) => void): void {
    this.stderrLines.push(line);
    if (this.stderrLines.length > KEPT_STDERR_LINES) this.stderrLines.shift();
    onStderrLine(line);
  }
}

export function describeExit(exit: HelperExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  if (exit.code === null) return 'could not be started';
  return `exited with status ${exit.code}`;
}
