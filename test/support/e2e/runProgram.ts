// A program run from outside VS Code, as a person runs one in a shell: the
// process whose pid the view should name for what it did.
import { spawn } from 'node:child_process';

/** Runs a program to its end (in `cwd`, where given) and returns its pid; rejects where it exits with a failure. */
export function run(command: string, args: string[], cwd?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (status) =>
      status === 0 ? resolve(child.pid!) : reject(new Error(`${command} ${args.join(' ')} exited with ${status}`)),
    );
  });
}
