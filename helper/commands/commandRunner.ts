// How every terminal command of the helper (trace, record, history, install,
// uninstall) begins and fails, the one way (docs/wire-protocol.md, "Terminal
// command"): a wrong argument is told as `syscall-trace: MESSAGE` and then
// the command's usage, on stderr, with exit status 2; a failure the command
// expects as `syscall-trace: MESSAGE` on stderr, with exit status 1. Anything
// else it throws is a bug, and is thrown on.
import { messageOf } from '../../common/errors';

export interface TerminalCommand<Options> {
  /** Printed after the reason a wrong argument was refused. */
  usage: string;
  /** The options in the arguments; throws with a sentence for a wrong one (parseArgs's own, or the command's). */
  parse(): Options;
  /** Does the work: returns once it has begun, or gives a promise that settles once it is done. */
  run(options: Options): void | Promise<void>;
  /**
   * The line to say for what the promise of `run` rejected with; undefined
   * for what the command does not expect, which is thrown on. Absent: it
   * expects nothing.
   */
  failureMessage?(error: unknown): string | undefined;
  /**
   * A failure exits at once: for a command whose work, begun, would keep the
   * process alive (programs loaded, a socket bound).
   */
  exitOnFailure?: boolean;
}

export function runCommand<Options>(command: TerminalCommand<Options>): void {
  let options: Options;
  try {
    options = command.parse();
  } catch (error) {
    process.stderr.write(`syscall-trace: ${messageOf(error)}\n${command.usage}\n`);
    process.exitCode = 2;
    return;
  }
  const running = command.run(options);
  if (running === undefined) return;
  void running.catch((error: unknown) => {
    const message = command.failureMessage?.(error);
    if (message === undefined) throw error;
    reportFailure(message);
    if (command.exitOnFailure === true) process.exit(1);
  });
}

/** Says why the command failed, `syscall-trace: MESSAGE` on stderr, and makes its exit status 1. */
export function reportFailure(message: string): void {
  process.stderr.write(`syscall-trace: ${message}\n`);
  process.exitCode = 1;
}
