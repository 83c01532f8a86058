// Runs a guest program to its end, bounded by a timeout, so that one that
// hangs fails its scenario instead of the whole guest.
import { run, type Finished, type RunOptions } from '../../programs';

const GUEST_COMMAND_TIMEOUT_MS = 60_000;

type CommandOptions = Omit<RunOptions, 'mayFail'>;

/** Runs it to its end, whatever its exit status. */
export function runCommand(file: string, args: string[], options: CommandOptions = {}): Promise<Finished> {
  return run(file, args, { timeoutMs: GUEST_COMMAND_TIMEOUT_MS, ...options, mayFail: true });
}

/** Runs it and throws, with what it said, unless it exits 0. */
export function mustRun(file: string, args: string[], options: CommandOptions = {}): Promise<Finished> {
  return run(file, args, { timeoutMs: GUEST_COMMAND_TIMEOUT_MS, ...options });
}
