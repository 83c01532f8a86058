// Runs a guest program to its end, bounded by a timeout, so that one that
// hangs fails its scenario instead of the whole guest.
import { spawn } from 'node:child_process';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  timeoutMs?: number;
}

export function runCommand(file: string, args: string[], options: CommandOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs it and throws, with what it said, unless it exits 0. */
export async function mustRun(file: string, args: string[], options: CommandOptions = {}): Promise<Ran> {
  const ran = await runCommand(file, args, options);
  if (ran.code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${ran.code}: ${ran.stderr.trim()}`);
  return ran;
}
