// The command line of build/bench/run_together (bench/run_together.c),
// which starts several commands at the same moment, and its report of each.
import type { MeasuredRun } from './childProcesses';
import type { Deleter } from './tracers';

export interface FinishedCommand {
  pid: number;
  /** From the common start to its exit. */
  seconds: number;
  /** CPU time it and the children it waited for used. */
  cpuSeconds: number;
}

/** `run_together -- A... -- B...`: every command in `commands` started at once. */
export function runTogetherArgv(runTogether: string, commands: readonly (readonly string[])[]): string[] {
  return [runTogether, ...commands.flatMap((command) => ['--', ...command])];
}

/** Its "finished INDEX PID WALL_S USER_S SYSTEM_S" lines, in the order the commands were given. */
export function finishedCommands(output: string): FinishedCommand[] {
  const finished: FinishedCommand[] = [];
  for (const [, index, pid, wall, user, system] of output.matchAll(
    /^finished (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)$/gm,
  )) {
    finished[Number(index)] = { pid: Number(pid), seconds: Number(wall), cpuSeconds: Number(user) + Number(system) };
  }
  return finished;
}

/**
 * Who deleted in a run of a run_together workload, for the tracers that name
 * processes: the commands at `indices` (every command where none are given),
 * each deleting at or below `directory`.
 */
export function commandsDeleting(directory: string, indices?: readonly number[]): (run: MeasuredRun) => Deleter {
  return (run) => {
    const finished = finishedCommands(run.stdout);
    const deleting = indices === undefined ? finished : indices.map((index) => finished[index]);
    return { pids: deleting.map((command) => command.pid), directory };
  };
}
